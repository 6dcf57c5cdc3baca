import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { until } from '../../testing/until.js';
import { HollowNodes } from './hollow-nodes.js';
import { LEASES, NODES, PODS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });

const pod = (
  name: string,
  nodeName: string,
  extra: Record<string, unknown> = {},
  annotations?: Record<string, string>,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { nodeName, containers: [{ name: 'app', image: 'busybox' }], ...extra },
  status: { phase: 'Pending' },
});
const statusOf = (fake: FakeClient, name: string) =>
  (
    fake.peek(PODS, 'default', name) as
      | { status?: Record<string, unknown> & { phase?: string; podIP?: string } }
      | undefined
  )?.status;

test('hollow nodes register with leases, run bound pods with IPs from their podCIDR, finish annotated ones and delete terminating ones', async () => {
  const fake = new FakeClient();
  const hollow = new HollowNodes({ client: fake, log, count: 2, leaseRenewIntervalMs: 50 });
  hollow.start();
  await until(
    'nodes and leases',
    () => !!fake.peek(LEASES, 'kube-node-lease', 'hollow-1') && !!fake.peek(NODES, '', 'hollow-0'),
  );
  const node = fake.peek(NODES, '', 'hollow-0') as KubeObject & { metadata: { labels: Record<string, string> } };
  assert.equal(node.metadata.labels['flotilla.dev/hollow'], 'true');
  // NodeRestriction forbids a node to give itself a node-role.kubernetes.io/ label.
  assert.deepEqual(
    Object.keys(node.metadata.labels).filter((k) => k.startsWith('node-role.kubernetes.io/')),
    [],
  );
  await fake.patch(NODES, '', 'hollow-0', 'merge', { spec: { podCIDR: '10.42.7.0/24', podCIDRs: ['10.42.7.0/24'] } });

  await fake.create(PODS, 'default', pod('web', 'hollow-0'));
  await fake.create(
    PODS,
    'default',
    pod('job', 'hollow-0', { restartPolicy: 'Never' }, { 'flotilla.dev/hollow-exit-after': '100ms' }),
  );
  await fake.create(PODS, 'default', pod('other', 'real-node'));
  await until('web running', () => statusOf(fake, 'web')?.phase === 'Running');
  const st = statusOf(fake, 'web') as {
    podIP: string;
    hostIP: string;
    containerStatuses: { ready: boolean; state: { running?: unknown } }[];
    conditions: { type: string; status: string }[];
  };
  assert.match(st.podIP, /^10\.42\.7\.(2|3)$/);
  assert.equal(st.hostIP, '10.200.0.1');
  assert.equal(st.containerStatuses[0]?.ready, true);
  assert.ok(st.containerStatuses[0]?.state.running);
  assert.deepEqual(
    st.conditions
      .filter((c) => ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].includes(c.type))
      .map((c) => c.status),
    ['True', 'True', 'True', 'True'],
  );
  await until('job succeeded', () => statusOf(fake, 'job')?.phase === 'Succeeded');
  assert.equal(statusOf(fake, 'other')?.phase, 'Pending', 'pods of other nodes are not touched');

  // A graceful delete marks the pod (a finalizer keeps it visible here); the hollow kubelet deletes it with grace 0.
  await fake.patch(PODS, 'default', 'web', 'merge', { metadata: { finalizers: ['test/hold'] } });
  fake.actions.length = 0;
  await fake.delete(PODS, 'default', 'web');
  await until('web deleted by the node', () =>
    fake.actions.some(
      (a) =>
        a.verb === 'delete' && a.name === 'web' && (a.body as { gracePeriodSeconds?: number }).gracePeriodSeconds === 0,
    ),
  );
  const uid = (fake.peek(PODS, 'default', 'web') as KubeObject).metadata.uid;
  assert.deepEqual(
    fake.actions.filter((a) => a.verb === 'delete').map((a) => a.body),
    [{}, { gracePeriodSeconds: 0, preconditions: { uid } }],
  );
  await hollow.stop();
});
