import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue.js';
import type { Timers } from '../client/backoff.js';

/** Manual timers: run() fires everything due. */
function fakeTimers(): Timers & { pending: { ms: number; fn: () => void }[]; runAll(): void } {
  const pending: { ms: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    pending,
    setTimeout(fn, ms) {
      const id = next++;
      pending.push({ fn, ms, id });
      return id;
    },
    clearTimeout(h) {
      const i = pending.findIndex((p) => p.id === h);
      if (i >= 0) pending.splice(i, 1);
    },
    runAll() {
      for (const p of pending.splice(0)) p.fn();
    },
  };
}

test('de-duplicates keys waiting in the queue and keeps FIFO order', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
});

test('never hands one key to two workers; a key re-added while processing comes back after done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  assert.equal(q.length, 0, 'not queued while processing');
  let second: string | undefined;
  void q.get().then((k) => {
    second = k;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined, 'a second worker does not get the key in flight');
  q.done('a');
  await new Promise((r) => setImmediate(r));
  assert.equal(second, 'a');
});

test('a waiting worker receives a key added later', async () => {
  const q = new WorkQueue();
  const p = q.get();
  q.add('x');
  assert.equal(await p, 'x');
  assert.ok(q.isProcessing('x'));
});

test('addRateLimited backs off exponentially per key; forget resets', () => {
  const timers = fakeTimers();
  const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 35, timers });
  q.addRateLimited('k');
  assert.equal(timers.pending.at(-1)?.ms, 10);
  timers.runAll();
  q.addRateLimited('k');
  assert.equal(timers.pending.at(-1)?.ms, 20);
  timers.runAll();
  q.addRateLimited('k');
  assert.equal(timers.pending.at(-1)?.ms, 35, 'capped');
  assert.equal(q.numRequeues('k'), 3);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  timers.runAll();
  q.addRateLimited('k');
  assert.equal(timers.pending.at(-1)?.ms, 10);
});

test('addAfter keeps the earliest pending delay and adds when due', async () => {
  const timers = fakeTimers();
  const q = new WorkQueue({ timers });
  q.addAfter('k', 100);
  q.addAfter('k', 500);
  assert.equal(timers.pending.length, 1);
  q.addAfter('k', 50);
  assert.equal(timers.pending.length, 1);
  assert.equal(timers.pending[0].ms, 50);
  assert.equal(q.length, 0);
  timers.runAll();
  assert.equal(await q.get(), 'k');
});

test('shutDown releases waiting workers with undefined and drops delayed adds', async () => {
  const timers = fakeTimers();
  const q = new WorkQueue({ timers });
  const waiting = q.get();
  q.addAfter('later', 1000);
  q.shutDown();
  assert.equal(await waiting, undefined);
  assert.equal(timers.pending.length, 0);
  q.add('x');
  assert.equal(await q.get(), undefined);
});
