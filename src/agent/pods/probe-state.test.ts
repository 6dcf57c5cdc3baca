import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeTiming, ProbeState } from './probe-state.js';

test('probe timing: Kubernetes defaults; liveness ignores successThreshold', () => {
  assert.deepEqual(probeTiming('readiness', {}), {
    initialDelayMs: 0,
    periodMs: 10_000,
    timeoutMs: 1000,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(
    probeTiming('liveness', {
      initialDelaySeconds: 5,
      periodSeconds: 2,
      timeoutSeconds: 3,
      successThreshold: 4,
      failureThreshold: 2,
    }),
    { initialDelayMs: 5000, periodMs: 2000, timeoutMs: 3000, successThreshold: 1, failureThreshold: 2 },
  );
  assert.equal(probeTiming('readiness', { successThreshold: 2 }).successThreshold, 2);
});

test('readiness starts failed and turns ready after successThreshold, unready after failureThreshold', () => {
  const s = new ProbeState(
    'readiness',
    probeTiming('readiness', { initialDelaySeconds: 3, periodSeconds: 1, successThreshold: 2, failureThreshold: 2 }),
    1000,
  );
  assert.equal(s.result, false);
  assert.equal(s.nextDueMs(), 4000);
  assert.equal(s.record(true, 4000), false);
  assert.equal(s.nextDueMs(), 5000);
  assert.equal(s.record(true, 5000), true);
  assert.equal(s.result, true);
  assert.equal(s.record(false, 6000), false, 'one failure is below the threshold');
  assert.equal(s.record(true, 7000), false);
  assert.equal(s.record(false, 8000), false);
  assert.equal(s.record(false, 9000), true);
  assert.equal(s.result, false);
});

test('liveness starts succeeded and fails after failureThreshold consecutive failures', () => {
  const s = new ProbeState('liveness', probeTiming('liveness', { periodSeconds: 10, failureThreshold: 3 }), 0);
  assert.equal(s.result, true);
  assert.equal(s.nextDueMs(), 0);
  s.record(false, 0);
  s.record(false, 10_000);
  assert.equal(s.result, true);
  assert.equal(s.record(false, 20_000), true);
  assert.equal(s.result, false);
});

test('startup is unknown until its first success; a late run schedules from now', () => {
  const s = new ProbeState('startup', probeTiming('startup', { periodSeconds: 1 }), 0);
  assert.equal(s.result, undefined);
  s.record(false, 0);
  assert.equal(s.result, undefined);
  assert.equal(s.record(true, 5000), true);
  assert.equal(s.result, true);
  assert.equal(s.nextDueMs(), 5000, 'the next run is not in the past');
});
