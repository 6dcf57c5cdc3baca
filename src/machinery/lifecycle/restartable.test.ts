import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Restartable } from './restartable.js';

test('each on() after an off() starts a fresh instance; off() waits for a start in progress', async () => {
  const events: string[] = [];
  let n = 0;
  const r = new Restartable(async () => {
    const i = ++n;
    await new Promise((resolve) => setImmediate(resolve));
    events.push(`start ${i}`);
    return { stop: async () => void events.push(`stop ${i}`) };
  });
  r.on();
  r.on(); // already running: no second instance
  await r.off();
  await r.off();
  r.on();
  await r.stop();
  assert.deepEqual(events, ['start 1', 'stop 1', 'start 2', 'stop 2']);
});

test('a failed start is reported and leaves nothing to stop', async () => {
  const errors: unknown[] = [];
  const r = new Restartable(
    async () => {
      throw new Error('no client');
    },
    (err) => errors.push(err),
  );
  r.on();
  await r.off();
  assert.equal(errors.length, 1);
});
