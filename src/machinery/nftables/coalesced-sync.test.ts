import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescedSync } from './coalesced-sync.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('a burst of changes makes one run; a change during a run makes exactly one more; runs never overlap', async () => {
  let runs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let release: (() => void) | undefined;
  const s = new CoalescedSync(async () => {
    runs++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((r) => {
      release = r;
    });
    inFlight--;
  }, 0);
  for (let i = 0; i < 5; i++) s.schedule();
  await tick(5);
  assert.equal(runs, 1);
  for (let i = 0; i < 5; i++) s.schedule(); // while the first runs
  release?.();
  await tick(5);
  assert.equal(runs, 2, 'one more for everything that changed meanwhile');
  release?.();
  await tick(5);
  assert.equal(runs, 2, 'nothing changed since: no third run');
  assert.equal(maxInFlight, 1);
  await s.stop();
});

test('syncNow resolves after a run that started after it; retryAfter runs again; nothing runs after stop', async () => {
  let runs = 0;
  const s = new CoalescedSync(async () => {
    runs++;
  }, 10);
  await s.syncNow();
  assert.equal(runs, 1);
  await s.syncNow();
  assert.equal(runs, 2, 'a new run, at least minIntervalMs after the last');
  s.retryAfter(5);
  await tick(40);
  assert.equal(runs, 3);
  await s.stop();
  s.schedule();
  s.retryAfter(1);
  await tick(30);
  assert.equal(runs, 3);
});
