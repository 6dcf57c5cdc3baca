import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys, prefixEnd } from './key-range.js';

describe('prefixEnd', () => {
  it('bounds exactly the keys with the prefix', () => {
    assert.equal(prefixEnd('/a/'), '/a0');
    assert.equal(prefixEnd(''), undefined);
    const end = prefixEnd('/p/') as string;
    for (const k of ['/p/', '/p/a', '/p/\u{10FFFF}x', '/p/\uffff']) assert.ok(compareKeys(k, end) < 0, k);
    for (const k of ['/p0', '/q', '/p0/a']) assert.ok(compareKeys(k, end) >= 0, k);
  });

  it('carries over U+10FFFF and skips surrogates', () => {
    assert.equal(prefixEnd('a\u{10FFFF}'), 'b');
    assert.equal(prefixEnd('\u{10FFFF}'), undefined);
    assert.equal(prefixEnd('a\ud7ff'), 'a\ue000');
  });
});

describe('compareKeys', () => {
  it('orders by code point like UTF-8 bytes', () => {
    const keys = ['b', 'a\u{1F600}', 'a\uffff', 'a', 'ab'];
    const sorted = [...keys].sort(compareKeys);
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(sorted, bytes);
  });
});
