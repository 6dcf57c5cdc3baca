import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { runWithLeaderElection, type LeaderElection } from './leader-elector.js';
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

async function until(what: string, fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function candidate(
  fake: FakeClient,
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
  });
}

test('of two candidates exactly one leads; on stop it releases the Lease and the other takes over at once with a transition', async () => {
  const fake = new FakeClient();
  const events: string[] = [];
  const a = candidate(fake, 'a', events, { leaseDurationSeconds: 30 });
  await until('a leads', () => a.isLeader());
  const b = candidate(fake, 'b', events, { leaseDurationSeconds: 30 });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(b.isLeader(), false);
  assert.equal(specOf(fake)?.holderIdentity, 'a');
  assert.equal(specOf(fake)?.leaseTransitions, 0);
  await a.stop();
  await until('b leads', () => b.isLeader(), 2000);
  assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
  assert.equal(specOf(fake)?.holderIdentity, 'b');
  assert.equal(specOf(fake)?.leaseTransitions, 1);
  await b.stop();
});

test('a holder that stops renewing (killed) loses the Lease after its duration; the same identity after a restart renews at once', async () => {
  const fake = new FakeClient();
  const t = Date.now();
  fake.seed(LEASES, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'ctl', namespace: 'kube-system' },
    spec: {
      holderIdentity: 'dead',
      leaseDurationSeconds: 1,
      renewTime: new Date(t).toISOString().replace('Z', '000Z'),
      leaseTransitions: 3,
    },
  });
  const events: string[] = [];
  const b = candidate(fake, 'b', events);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.isLeader(), false, 'the dead holder still has most of its second');
  await until('b takes over', () => b.isLeader(), 3000);
  assert.ok(Date.now() - t >= 1000);
  assert.equal(specOf(fake)?.leaseTransitions, 4);
  // A restarted process with the holder's identity renews without waiting.
  const events2: string[] = [];
  fake.seed(LEASES, { ...(fake.peek(LEASES, 'kube-system', 'ctl') as KubeObject) });
  const again = candidate(fake, 'b', events2, { leaseDurationSeconds: 30 });
  await until('restart leads', () => again.isLeader(), 500);
  await Promise.all([b.stop(), again.stop()]);
});

test('a leader whose Lease is taken over (renewals conflict past the deadline) steps down', async () => {
  const fake = new FakeClient();
  const events: string[] = [];
  const a = candidate(fake, 'a', events, { leaseDurationSeconds: 30 });
  await until('a leads', () => a.isLeader());
  const lease = fake.peek(LEASES, 'kube-system', 'ctl') as KubeObject & { spec: LeaseSpec };
  await fake.update(LEASES, 'kube-system', {
    ...lease,
    spec: { ...lease.spec, holderIdentity: 'usurper', renewTime: new Date().toISOString().replace('Z', '000Z') },
  });
  await until('a steps down', () => !a.isLeader(), 2000);
  assert.deepEqual(events, ['a started', 'a stopped']);
  await a.stop();
});
