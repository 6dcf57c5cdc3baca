import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIdleMemoryReducer } from './idle-memory-reducer.js';

test('collects once when the loop goes quiet after a burst, then once a minute while quiet, never while busy', () => {
  let load = 0;
  let t = 0;
  let collections = 0;
  const r = startIdleMemoryReducer({ intervalMs: 3_600_000, utilization: () => load, collect: () => { collections++; }, now: () => t });
  const tickAt = (ms: number, u: number) => { t = ms; load = u; r.tick(); };
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

test('the default collector is a real full GC (exposed at run time)', () => {
  const r = startIdleMemoryReducer({ intervalMs: 3_600_000, utilization: () => 0, quietPeriodMs: 0 });
  assert.doesNotThrow(() => r.tick(), 'gc() exists and runs');
  r.stop();
});
