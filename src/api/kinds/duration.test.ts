import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, translateTimestampSince } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration follows Kubernetes HumanDuration thresholds', () => {
  assert.equal(humanDuration(-5 * s), '<invalid>');
  assert.equal(humanDuration(-500), '0s');
  assert.equal(humanDuration(5 * s), '5s');
  assert.equal(humanDuration(119 * s), '119s');
  assert.equal(humanDuration(200 * s), '3m20s');
  assert.equal(humanDuration(3 * m), '3m');
  assert.equal(humanDuration(15 * m + 10 * s), '15m');
  assert.equal(humanDuration(179 * m), '179m');
  assert.equal(humanDuration(5 * h), '5h');
  assert.equal(humanDuration(7 * h + 3 * m), '7h3m');
  assert.equal(humanDuration(30 * h), '30h');
  assert.equal(humanDuration(3 * d), '3d');
  assert.equal(humanDuration(3 * d + 4 * h), '3d4h');
  assert.equal(humanDuration(100 * d), '100d');
  assert.equal(humanDuration(800 * d), '2y70d');
  assert.equal(humanDuration(9 * 365 * d), '9y');
});

test('translateTimestampSince measures from the injected clock', () => {
  const now = new Date('2024-01-01T00:10:00Z');
  assert.equal(translateTimestampSince('2024-01-01T00:00:00Z', now), '10m');
  assert.equal(translateTimestampSince(undefined, now), '<unknown>');
});
