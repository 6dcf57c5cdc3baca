import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { resolveNodeConfig } from './node-config.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import type { NodeObject } from './node-status.js';
import type { LeaseObject } from './node-lease.js';
import { LEASES, NODES } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const cfg = resolveNodeConfig({ name: 'n1', internalIP: '10.0.0.5' });

function setup() {
  const fake = new FakeClient();
  let now = new Date('2024-05-01T10:00:00Z');
  const hb = new NodeHeartbeat({ client: fake, config: cfg, log, clock: () => now });
  return {
    fake,
    hb,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

test('register creates the Node; an existing one gets labels and status patched', async () => {
  const { fake, hb } = setup();
  const node = await hb.register();
  assert.equal(node.metadata.name, 'n1');
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.subresource]),
    [['create', 'nodes', undefined]],
  );
  fake.actions.length = 0;
  await hb.register();
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.subresource]),
    [
      ['create', 'nodes', undefined],
      ['patch', 'nodes', undefined],
      ['patch', 'nodes', 'status'],
    ],
  );
});

test('renewLease creates the Lease owned by the node, then updates renewTime with one PUT', async () => {
  const { fake, hb, advance } = setup();
  const node = await hb.register();
  await hb.renewLease();
  const lease = fake.peek(LEASES, 'kube-node-lease', 'n1') as LeaseObject;
  assert.equal(lease.spec?.holderIdentity, 'n1');
  assert.equal(lease.spec?.leaseDurationSeconds, 10);
  assert.equal(lease.spec?.renewTime, '2024-05-01T10:00:00.000000Z');
  assert.equal(lease.metadata.ownerReferences?.[0]?.uid, node.metadata.uid);
  fake.actions.length = 0;
  advance(2000);
  await hb.renewLease();
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource]),
    [['update', 'leases']],
  );
  assert.equal(
    (fake.peek(LEASES, 'kube-node-lease', 'n1') as LeaseObject).spec?.renewTime,
    '2024-05-01T10:00:02.000000Z',
  );
});

test('a Lease changed behind the renewer is re-read after the conflict', async () => {
  const { fake, hb, advance } = setup();
  await hb.register();
  await hb.renewLease();
  await fake.patch(LEASES, 'kube-node-lease', 'n1', 'merge', { metadata: { labels: { x: 'y' } } });
  advance(2000);
  await hb.renewLease();
  const lease = fake.peek(LEASES, 'kube-node-lease', 'n1') as LeaseObject;
  assert.equal(lease.spec?.renewTime, '2024-05-01T10:00:02.000000Z');
  assert.equal(lease.metadata.labels?.x, 'y');
});

test('syncStatus posts only when a condition differs or the report is due, and restores Ready after Unknown', async () => {
  const { fake, hb, advance } = setup();
  await hb.register();
  advance(10_000);
  assert.equal(await hb.syncStatus(), false);
  const stored = fake.peek(NODES, '', 'n1') as NodeObject;
  const conditions = stored.status?.conditions?.map((c) =>
    c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c,
  );
  await fake.patch(NODES, '', 'n1', 'merge', { status: { conditions } }, { subresource: 'status' });
  assert.equal(await hb.syncStatus(), true);
  const ready = (fake.peek(NODES, '', 'n1') as NodeObject).status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  assert.equal(ready?.lastTransitionTime, '2024-05-01T10:00:10Z');
  advance(60_000);
  assert.equal(await hb.syncStatus(), true);
});
