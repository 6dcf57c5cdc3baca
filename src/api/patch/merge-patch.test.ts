import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { applyMergePatch } from './merge-patch.js';

test('merge patch: RFC 7386 cases', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [
      { metadata: { labels: { app: 'x', tier: 'y' } } },
      { metadata: { labels: { tier: null, env: 'prod' } } },
      { metadata: { labels: { app: 'x', env: 'prod' } } },
    ],
  ];
  for (const [doc, patch, want] of cases) {
    const before = JSON.stringify(doc);
    assert.deepEqual(applyMergePatch(doc, patch), want, JSON.stringify(patch));
    assert.equal(JSON.stringify(doc), before);
  }
});

test('merge patch: non-object patches are 400', () => {
  for (const p of [null, 1, 'x', [1]]) {
    assert.throws(
      () => applyMergePatch({}, p),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'Invalid JSON Patch',
    );
  }
});
