import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from './token-bucket.js';

test('a token bucket starts full, refills at its rate and never above its burst', () => {
  const b = new TokenBucket(3, 1 / 300);
  assert.deepEqual([b.tryAccept(0), b.tryAccept(0), b.tryAccept(0), b.tryAccept(0)], [true, true, true, false]);
  assert.equal(b.tryAccept(299_999), false);
  assert.equal(b.tryAccept(300_000), true);
  assert.equal(b.tryAccept(300_000), false);
  // A day idle refills to the burst, no more.
  const later = 300_000 + 86_400_000;
  assert.deepEqual(
    [b.tryAccept(later), b.tryAccept(later), b.tryAccept(later), b.tryAccept(later)],
    [true, true, true, false],
  );
});

test('a clock going backwards neither refills nor breaks the bucket', () => {
  const b = new TokenBucket(1, 1);
  assert.equal(b.tryAccept(10_000), true);
  assert.equal(b.tryAccept(5_000), false);
  assert.equal(b.tryAccept(10_999), false);
  assert.equal(b.tryAccept(11_000), true);
});
