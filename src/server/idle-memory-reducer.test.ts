import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startIdleMemoryReducer } from './idle-memory-reducer.js';

test('collects once when the loop goes quiet after a burst, then once a minute while quiet, never while busy', () => {
  let load = 0;
  let t = 0;
  let collections = 0;
  const r = startIdleMemoryReducer({
    intervalMs: 3_600_000,
    afterBurstMs: 0,
    utilization: () => load,
    collect: () => {
      collections++;
    },
    now: () => t,
  });
  const tickAt = (ms: number, u: number) => {
    t = ms;
    load = u;
    r.tick();
  };
  tickAt(10_000, 0.01);
  assert.equal(collections, 0, 'quiet from the start: nothing to give back yet');
  tickAt(20_000, 0.9);
  tickAt(30_000, 0.6);
  assert.equal(collections, 0, 'never while busy');
  tickAt(40_000, 0.02);
  assert.equal(collections, 1, 'the first quiet interval after the burst');
  tickAt(50_000, 0.01);
  tickAt(90_000, 0.01);
  assert.equal(collections, 1);
  tickAt(100_000, 0.01);
  assert.equal(collections, 2, 'a minute of quiet later');
  r.stop();
});

test('trims one interval after each collection, if the loop is still quiet then', () => {
  let load = 0;
  let t = 0;
  const events: string[] = [];
  const r = startIdleMemoryReducer({
    intervalMs: 3_600_000,
    afterBurstMs: 0,
    utilization: () => load,
    collect: () => events.push(`gc@${t}`),
    trim: () => events.push(`trim@${t}`),
    now: () => t,
  });
  const tickAt = (ms: number, u: number) => {
    t = ms;
    load = u;
    r.tick();
  };
  tickAt(10_000, 0.9);
  tickAt(20_000, 0.01);
  tickAt(30_000, 0.01);
  assert.deepEqual(events, ['gc@20000', 'trim@30000']);
  tickAt(40_000, 0.01);
  assert.deepEqual(events, ['gc@20000', 'trim@30000'], 'one trim per collection');
  tickAt(50_000, 0.9);
  tickAt(60_000, 0.01);
  tickAt(70_000, 0.8);
  tickAt(80_000, 0.01);
  assert.deepEqual(
    events,
    ['gc@20000', 'trim@30000', 'gc@60000', 'gc@80000'],
    'busy again before the trim: the next collection re-arms it',
  );
  tickAt(90_000, 0.01);
  assert.deepEqual(events.at(-1), 'trim@90000');
  r.stop();
});

test('collects on every quiet interval for afterBurstMs after the loop was busy (the watch cache lets go of a burst late), then once a minute', () => {
  let load = 0;
  let t = 0;
  const gcs: number[] = [];
  let trims = 0;
  const r = startIdleMemoryReducer({
    intervalMs: 3_600_000,
    afterBurstMs: 40_000,
    utilization: () => load,
    collect: () => gcs.push(t / 1000),
    trim: () => {
      trims++;
    },
    now: () => t,
  });
  const tickAt = (ms: number, u: number) => {
    t = ms;
    load = u;
    r.tick();
  };
  tickAt(10_000, 0.9);
  for (let s = 20; s <= 120; s += 10) tickAt(s * 1000, 0.01);
  assert.deepEqual(
    gcs,
    [20, 30, 40, 100],
    'every quiet tick until 40 s after the last busy one, then a minute after the last collection',
  );
  assert.equal(trims, 4, 'each collection trimmed on the next tick');
  r.stop();
});

test('the default collector is a real full GC (exposed at run time)', () => {
  const r = startIdleMemoryReducer({ intervalMs: 3_600_000, utilization: () => 0, quietPeriodMs: 0 });
  assert.doesNotThrow(() => r.tick(), 'gc() exists and runs');
  r.stop();
});

test('the default collector also hands the freed malloc memory back (malloc_trim through the addon)', () => {
  // 50 MB of 1 kB malloc'd backing stores, one in a thousand kept, so the heap cannot shrink from the top.
  let buffers: Buffer[] | undefined = Array.from({ length: 50_000 }, () => Buffer.allocUnsafeSlow(1000));
  const kept = buffers.filter((_, i) => i % 1000 === 0);
  buffers = undefined;
  // A plain full GC first: what is left to drop after it is malloc's retention, the trim's part.
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const before = process.memoryUsage().rss / 1048576;
  const r = startIdleMemoryReducer({ intervalMs: 3_600_000, utilization: () => 0, quietPeriodMs: 0 });
  r.tick();
  r.tick();
  r.stop();
  const after = process.memoryUsage().rss / 1048576;
  assert.ok(before - after > 20, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB`);
  assert.equal(kept.length, 50);
});
