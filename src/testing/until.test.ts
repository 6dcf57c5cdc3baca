import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.js';
import { until, untilWith } from './until.js';

test('until returns the first value that is not undefined, null or false', async () => {
  let n = 0;
  assert.equal(await until('the third try', () => (++n === 3 ? 'done' : n === 1 ? null : false)), 'done');
  assert.equal(n, 3);
  assert.equal(await until('zero counts as a value', async () => 0), 0);
});

test('until names what it waited for, the last error and the extra context when it times out', async () => {
  await assert.rejects(
    until('the moon', () => false, { timeoutMs: 30, describe: () => 'state: night' }),
    /^Error: timed out after 30 ms waiting for the moon\nstate: night$/,
  );
  let tries = 0;
  const flaky = untilWith({ retryErrors: true, timeoutMs: 30 });
  await assert.rejects(
    flaky('a server', () => {
      tries++;
      throw new Error('ECONNREFUSED');
    }),
    /waiting for a server \(last error: Error: ECONNREFUSED\)/,
  );
  assert.ok(tries > 1, 'errors were retried');
  await assert.rejects(
    until('no retries', () => {
      throw new Error('boom');
    }),
    /boom/,
    'without retryErrors a throw fails the wait at once',
  );
});

test('FakeClock fires due timers in order, moving now to each; cleared timers never fire', async () => {
  const clock = new FakeClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => {
    fired.push(`a@${clock.now()}`);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
  }, 10);
  const cleared = clock.setTimeout(() => fired.push('never'), 1);
  clock.clearTimeout(cleared);
  await clock.advance(19);
  assert.deepEqual(fired, ['a@1010', 'c@1015']);
  assert.equal(clock.now(), 1019);
  await clock.advance(1);
  assert.deepEqual(fired, ['a@1010', 'c@1015', 'b@1020']);
  assert.equal(clock.pendingTimers, 0);
});
