import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruMap } from './lru-map.js';

test('LruMap drops the least recently used entry beyond its size; a read counts as use', () => {
  const m = new LruMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  assert.equal(m.get('a'), 1);
  m.set('c', 3);
  assert.equal(m.get('b'), undefined);
  assert.equal(m.get('a'), 1);
  assert.equal(m.get('c'), 3);
  m.set('a', 10);
  m.set('d', 4);
  assert.equal(m.get('c'), undefined);
  assert.equal(m.get('a'), 10);
  assert.equal(m.size, 2);
});
