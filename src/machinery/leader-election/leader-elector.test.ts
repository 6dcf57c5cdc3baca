import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { microTime, runWithLeaderElection, type LeaderElection } from './leader-elector.js';
import { LEASES } from '../resources/well-known.js';

const log = pino({ level: 'silent' });
type LeaseSpec = {
  holderIdentity?: string;
  leaseTransitions?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
};
const specOf = (fake: FakeClient) =>
  (fake.peek(LEASES, 'kube-system', 'ctl') as (KubeObject & { spec: LeaseSpec }) | undefined)?.spec;

function candidate(
  fake: FakeClient,
  clock: FakeClock,
  identity: string,
  events: string[],
  extra: { leaseDurationSeconds?: number } = {},
): LeaderElection {
  return runWithLeaderElection({
    client: fake,
    name: 'ctl',
    identity,
    log,
    retryPeriodMs: 20,
    renewDeadlineMs: 100,
    leaseDurationSeconds: extra.leaseDurationSeconds ?? 1,
    onStartedLeading: () => {
      events.push(`${identity} started`);
    },
    onStoppedLeading: () => {
      events.push(`${identity} stopped`);
    },
    now: clock.now,
    timers: clock,
  });
}

// Time is a FakeClock: retries (every 20-24 ms) and lease expiry happen when the test advances it.

test('of two candidates exactly one leads; on stop it releases the Lease and the other takes over at once with a transition', async () => {
  const fake = new FakeClient();
  const clock = new FakeClock();
  const events: string[] = [];
  const a = candidate(fake, clock, 'a', events, { leaseDurationSeconds: 30 });
  await clock.settle();
  assert.equal(a.isLeader(), true, 'the first candidate creates the Lease');
  const b = candidate(fake, clock, 'b', events, { leaseDurationSeconds: 30 });
  await clock.advance(100);
  assert.equal(b.isLeader(), false, 'b retried about four times against a renewed Lease');
  assert.equal(specOf(fake)?.holderIdentity, 'a');
  assert.equal(specOf(fake)?.leaseTransitions, 0);
  await a.stop();
  await clock.advance(25);
  assert.equal(b.isLeader(), true, 'b takes the released Lease at its next retry');
  assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
  assert.equal(specOf(fake)?.holderIdentity, 'b');
  assert.equal(specOf(fake)?.leaseTransitions, 1);
  await b.stop();
});

test('a holder that stops renewing (killed) loses the Lease after its duration; the same identity after a restart renews at once', async () => {
  const fake = new FakeClient();
  const clock = new FakeClock();
  const t0 = clock.now();
  fake.seed(LEASES, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'ctl', namespace: 'kube-system' },
    spec: { holderIdentity: 'dead', leaseDurationSeconds: 1, renewTime: microTime(t0), leaseTransitions: 3 },
  });
  const events: string[] = [];
  const b = candidate(fake, clock, 'b', events);
  await clock.advance(990);
  assert.equal(b.isLeader(), false, 'the dead holder still has the rest of its second');
  await clock.advance(40);
  assert.equal(b.isLeader(), true, 'b takes over at its first retry after the second');
  assert.ok(Date.parse(specOf(fake)?.acquireTime ?? '') >= t0 + 1000);
  assert.equal(specOf(fake)?.leaseTransitions, 4);
  // A restarted process with the holder's identity renews without waiting.
  const events2: string[] = [];
  fake.seed(LEASES, { ...(fake.peek(LEASES, 'kube-system', 'ctl') as KubeObject) });
  const again = candidate(fake, clock, 'b', events2, { leaseDurationSeconds: 30 });
  await clock.settle();
  assert.equal(again.isLeader(), true);
  assert.equal(specOf(fake)?.leaseTransitions, 4, 'a renewal, not a transition');
  await Promise.all([b.stop(), again.stop()]);
});

test('a leader whose Lease is taken over (renewals conflict past the deadline) steps down', async () => {
  const fake = new FakeClient();
  const clock = new FakeClock();
  const events: string[] = [];
  const a = candidate(fake, clock, 'a', events, { leaseDurationSeconds: 30 });
  await clock.settle();
  assert.equal(a.isLeader(), true);
  const lease = fake.peek(LEASES, 'kube-system', 'ctl') as KubeObject & { spec: LeaseSpec };
  await fake.update(LEASES, 'kube-system', {
    ...lease,
    spec: { ...lease.spec, holderIdentity: 'usurper', renewTime: microTime(clock.now()) },
  });
  await clock.advance(90);
  assert.equal(a.isLeader(), true, 'renewals fail, but the 100 ms renew deadline has not passed');
  await clock.advance(40);
  assert.equal(a.isLeader(), false);
  assert.deepEqual(events, ['a started', 'a stopped']);
  await a.stop();
});
