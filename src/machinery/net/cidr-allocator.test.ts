import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrAllocator } from './cidr-allocator.js';

test('hands out /24s of 10.42.0.0/16 in order, skips occupied ones, reuses released ones, and runs out at 256', () => {
  const a = new CidrAllocator('10.42.0.0/16', 24);
  assert.equal(a.occupy('10.42.1.0/24'), true);
  assert.equal(a.occupy('10.42.1.0/24'), false);
  assert.equal(a.allocate(), '10.42.0.0/24');
  assert.equal(a.allocate(), '10.42.2.0/24');
  a.release('10.42.0.0/24');
  const rest = new Set<string>();
  for (let cidr = a.allocate(); cidr; cidr = a.allocate()) rest.add(cidr);
  assert.equal(rest.size, 256 - 2);
  assert.ok(rest.has('10.42.0.0/24') && rest.has('10.42.255.0/24') && !rest.has('10.42.1.0/24'));
  assert.equal(a.free, 0);
});

test('foreign, misaligned and wrong-size ranges are not occupied', () => {
  const a = new CidrAllocator('10.42.0.0/16', 24);
  assert.equal(a.occupy('10.43.0.0/24'), false);
  assert.equal(a.occupy('10.42.0.128/24'), false);
  assert.equal(a.occupy('10.42.0.0/25'), false);
  assert.equal(a.occupy('nonsense'), false);
  assert.throws(() => new CidrAllocator('10.42.0.0/16', 8));
});
