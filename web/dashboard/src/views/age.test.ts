import assert from 'node:assert/strict';
import { test } from 'node:test';
import { age } from './age.ts';

test('ages print as kubectl prints them', () => {
  const now = Date.parse('2026-01-10T00:00:00Z');
  const ago = (s: number) => age(new Date(now - s * 1000).toISOString(), now);
  assert.equal(ago(45), '45s');
  assert.equal(ago(119), '119s');
  assert.equal(ago(200), '3m20s');
  assert.equal(ago(180), '3m');
  assert.equal(ago(25 * 60), '25m');
  assert.equal(ago(5 * 3600 + 600), '5h10m');
  assert.equal(ago(30 * 3600), '30h');
  assert.equal(ago(3 * 86400 + 4 * 3600), '3d4h');
  assert.equal(ago(100 * 86400), '100d');
  assert.equal(ago(-0.5), '0s');
  assert.equal(age('not a time', now), '');
});
