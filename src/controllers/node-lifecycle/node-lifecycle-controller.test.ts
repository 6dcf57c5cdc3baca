import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { nodeLifecycleReconciler } from './node-lifecycle-controller.js';
import { LEASES, NODES, PODS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2024-05-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const cond = (status: string, at: number) =>
  ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({
    type,
    status: type === 'Ready' ? status : 'False',
    reason: 'r',
    lastHeartbeatTime: iso(at),
    lastTransitionTime: iso(at),
  }));
const node = (name: string, status = 'True'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: {},
  status: { conditions: cond(status, T0) },
});
const peekNode = (fake: FakeClient, name: string) => fake.peek(NODES, '', name) as (KubeObject & Node) | undefined;
const lease = (name: string, at: number): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: 'kube-node-lease' },
  spec: { holderIdentity: name, renewTime: new Date(at).toISOString() },
});
const pod = (name: string, nodeName: string, tolerationSeconds?: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: {
    nodeName,
    containers: [{ name: 'c', image: 'i' }],
    ...(tolerationSeconds === undefined
      ? {}
      : {
          tolerations: [
            { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds },
          ],
        }),
  },
});

async function setup() {
  const fake = new FakeClient();
  fake.seed(NODES, node('a'));
  fake.seed(LEASES, lease('a', T0));
  fake.seed(PODS, pod('fragile', 'a'), pod('patient', 'a', 3), pod('elsewhere', 'b'));
  const nodes = new Informer(fake, NODES, { log });
  const leases = new Informer(fake, LEASES, { log });
  const pods = new Informer(fake, PODS, { log });
  for (const i of [nodes, leases, pods]) i.start();
  await Promise.all([nodes, leases, pods].map((i) => i.waitForSync()));
  let now = T0;
  const reconcile = nodeLifecycleReconciler({
    client: fake,
    nodes,
    leases,
    pods,
    log,
    gracePeriodMs: 8000,
    now: () => now,
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    fake,
    reconcile,
    settle,
    stop: () => Promise.all([nodes, leases, pods].map((i) => i.stop())),
    at: (ms: number) => {
      now = T0 + ms;
    },
  };
}

const key = { namespace: '', name: 'a' };

test('a renewing node is left alone and looked at again when its grace would run out', async () => {
  const { fake, reconcile, at, settle, stop } = await setup();
  assert.deepEqual(await reconcile(key), { requeueAfterMs: 8000 });
  at(6000);
  await fake.update(LEASES, 'kube-node-lease', {
    ...(fake.peek(LEASES, 'kube-node-lease', 'a') as KubeObject),
    spec: { holderIdentity: 'a', renewTime: new Date(T0 + 6000).toISOString() },
  });
  await settle();
  await reconcile(key); // the Lease event: observed at 6 s (controller clock)
  fake.actions.length = 0;
  at(9000);
  assert.deepEqual(await reconcile(key), { requeueAfterMs: 5000 }, 'the lease moved at 6 s: 3 s of 8 s used');
  assert.deepEqual(fake.actions, []);
  await stop();
});

test('a silent node becomes Unknown, gets unreachable taints; pods go now or after tolerationSeconds; taints go when it is back', async () => {
  const { fake, reconcile, at, settle, stop } = await setup();
  await reconcile(key);
  at(8000);
  assert.deepEqual(await reconcile(key), { requeueAfterMs: 3000 });
  const at8 = iso(T0 + 8000);
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.name, a.subresource]),
    [
      ['patch', 'nodes', 'a', 'status'],
      ['patch', 'nodes', 'a', undefined],
      ['delete', 'pods', 'fragile', undefined],
    ],
  );
  const stored = peekNode(fake, 'a');
  assert.deepEqual(
    stored?.status?.conditions?.find((c) => c.type === 'Ready'),
    {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: iso(T0),
      lastTransitionTime: at8,
    },
  );
  assert.deepEqual(stored?.spec?.taints, [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at8 },
  ]);
  assert.deepEqual(fake.actions[2]?.body, { preconditions: { uid: 'uid-fragile' } });
  await settle();
  fake.actions.length = 0;
  at(11_000);
  assert.equal(await reconcile(key), undefined);
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.name]),
    [['delete', 'patient']],
  );
  // The node comes back: its agent posts Ready=True and renews the lease.
  await settle();
  fake.actions.length = 0;
  await fake.patch(
    NODES,
    '',
    'a',
    'merge',
    { status: { conditions: cond('True', T0 + 12_000) } },
    { subresource: 'status' },
  );
  await settle();
  at(12_000);
  await reconcile(key);
  assert.deepEqual(peekNode(fake, 'a')?.spec?.taints, []);
  await stop();
});

test('a node reporting Ready=False gets the not-ready taints at once', async () => {
  const { fake, reconcile, settle, stop } = await setup();
  await fake.patch(NODES, '', 'a', 'merge', { status: { conditions: cond('False', T0) } }, { subresource: 'status' });
  await settle();
  fake.actions.length = 0;
  await reconcile(key);
  assert.deepEqual(
    peekNode(fake, 'a')?.spec?.taints?.map((t) => t.key),
    ['node.kubernetes.io/not-ready', 'node.kubernetes.io/not-ready'],
  );
  assert.deepEqual(
    fake.actions.filter((a) => a.verb === 'delete').map((a) => a.name),
    ['fragile', 'patient'],
    'patient tolerates unreachable, not not-ready',
  );
  await stop();
});

test('pods of a node gone Unknown are marked not ready (once), before their eviction', async () => {
  const { fake, reconcile, at, settle, stop } = await setup();
  const ready = [
    { type: 'Ready', status: 'True', lastTransitionTime: iso(T0) },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(T0) },
  ];
  const patient = fake.peek(PODS, 'default', 'patient') as KubeObject;
  await fake.update(
    PODS,
    'default',
    { ...patient, status: { phase: 'Running', conditions: ready } },
    { subresource: 'status' },
  );
  await settle();
  await reconcile(key);
  fake.actions.length = 0;
  at(8000);
  await reconcile(key);
  const marks = fake.actions.filter((a) => a.resource === 'pods' && a.verb === 'patch');
  assert.deepEqual(
    marks.map((a) => [a.name, a.subresource]),
    [['patient', 'status']],
  );
  const stored = fake.peek(PODS, 'default', 'patient') as (KubeObject & Pod) | undefined;
  assert.deepEqual(stored?.status?.conditions, [
    { type: 'Ready', status: 'False', lastTransitionTime: iso(T0 + 8000) },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(T0) },
  ]);
  await settle();
  fake.actions.length = 0;
  at(9000);
  await reconcile(key);
  assert.deepEqual(
    fake.actions.filter((a) => a.resource === 'pods'),
    [],
    'already not ready, not yet due for eviction: nothing written',
  );
  await stop();
});
