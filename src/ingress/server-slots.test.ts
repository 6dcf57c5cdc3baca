import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignSlots, MIN_SLOTS, slotCommands, slotCount } from './server-slots.js';

const ep = (ip: string, port = 80) => ({ ip, port });

test('slot counts: at least MIN_SLOTS, powers of two, never shrinking', () => {
  assert.equal(slotCount(0), MIN_SLOTS);
  assert.equal(slotCount(MIN_SLOTS), MIN_SLOTS);
  assert.equal(slotCount(MIN_SLOTS + 1), MIN_SLOTS * 2);
  assert.equal(slotCount(1, 32), 32);
});

test('endpoints keep their slots; new ones take the lowest free; gone ones leave theirs empty', () => {
  const a = assignSlots(undefined, [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')], 4);
  assert.deepEqual(a, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', undefined]);
  const b = assignSlots(a, [ep('10.0.0.3'), ep('10.0.0.4'), ep('10.0.0.5')], 4);
  assert.deepEqual(b, ['10.0.0.4:80', '10.0.0.5:80', '10.0.0.3:80', undefined]);
  const grown = assignSlots(b, [ep('10.0.0.3'), ep('10.0.0.6')], 8);
  assert.deepEqual(grown, [
    '10.0.0.6:80',
    undefined,
    '10.0.0.3:80',
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

test('runtime commands: maint for emptied slots, addr then ready for filled ones, nothing for kept ones', () => {
  const prev = ['10.0.0.1:80', '10.0.0.2:80', undefined];
  const next = ['10.0.0.1:80', undefined, '10.0.0.9:8080'];
  assert.deepEqual(slotCommands('be', prev, next), [
    'set server be/s2 state maint',
    'set server be/s3 addr 10.0.0.9 port 8080',
    'set server be/s3 state ready',
  ]);
  assert.deepEqual(slotCommands('be', ['10.0.0.1:80'], ['10.0.0.2:80']), [
    'set server be/s1 state maint',
    'set server be/s1 addr 10.0.0.2 port 80',
    'set server be/s1 state ready',
  ]);
  assert.deepEqual(slotCommands('be', next, next), []);
});

test('weighted endpoints: a weight change keeps the slot and becomes one `set server ... weight`', () => {
  const a = assignSlots(
    undefined,
    [
      { ip: '10.0.0.1', port: 80, weight: 200 },
      { ip: '10.0.0.2', port: 80, weight: 20 },
    ],
    8,
  );
  assert.deepEqual(a.slice(0, 3), ['10.0.0.1:80@200', '10.0.0.2:80@20', undefined]);
  const b = assignSlots(
    a,
    [
      { ip: '10.0.0.1', port: 80, weight: 100 },
      { ip: '10.0.0.3', port: 80, weight: 20 },
    ],
    8,
  );
  assert.deepEqual(b.slice(0, 3), ['10.0.0.1:80@100', '10.0.0.3:80@20', undefined]);
  assert.deepEqual(slotCommands('be', a, b), [
    'set server be/s1 weight 100',
    'set server be/s2 state maint',
    'set server be/s2 addr 10.0.0.3 port 80',
    'set server be/s2 weight 20',
    'set server be/s2 state ready',
  ]);
});
