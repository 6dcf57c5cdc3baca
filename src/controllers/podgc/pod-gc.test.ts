import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { planPodGc, type PodGcSettings } from './pod-gc-plan.js';
import { podGcReconciler, SWEEP_KEY } from './pod-gc-controller.js';
import { NODES, PODS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const settings: PodGcSettings = { terminatedPodThreshold: 2, quarantineMs: 10_000 };
const pod = (
  name: string,
  o: { node?: string; phase?: string; created?: string; deleting?: boolean } = {},
): KubeObject & Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    creationTimestamp: o.created ?? '2024-01-01T00:00:00Z',
    ...(o.deleting ? { deletionTimestamp: '2024-01-02T00:00:00Z' } : {}),
  },
  spec: { containers: [{ name: 'c', image: 'i' }], ...(o.node ? { nodeName: o.node } : {}) },
  status: { phase: o.phase ?? 'Running' },
});
const node = (name: string, o: { ready?: string; outOfService?: boolean } = {}): KubeObject & Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: o.outOfService ? { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] } : {},
  status: { conditions: [{ type: 'Ready', status: o.ready ?? 'True' }] },
});
const names = (actions: { pod: Pod }[]) => actions.map((a) => a.pod.metadata?.name);

test('terminated pods beyond the threshold go, oldest first', () => {
  const pods = [
    pod('new', { phase: 'Succeeded', created: '2024-01-03T00:00:00Z' }),
    pod('old', { phase: 'Failed', created: '2024-01-01T00:00:00Z' }),
    pod('mid', { phase: 'Succeeded', created: '2024-01-02T00:00:00Z' }),
    pod('oldest', { phase: 'Succeeded', created: '2023-12-31T00:00:00Z' }),
    pod('running'),
  ];
  assert.deepEqual(names(planPodGc(pods, new Map(), new Map(), 0, settings)), ['oldest', 'old']);
});

test('unscheduled terminating pods and terminating pods on out-of-service nodes go; others stay', () => {
  const nodes = new Map([
    ['down', node('down', { ready: 'Unknown', outOfService: true })],
    ['up', node('up', { outOfService: true })],
    ['plain', node('plain', { ready: 'Unknown' })],
  ]);
  const pods = [
    pod('pending-deleting', { deleting: true }),
    pod('pending'),
    pod('on-down', { node: 'down', deleting: true }),
    pod('on-down-alive', { node: 'down' }),
    pod('on-up', { node: 'up', deleting: true }),
    pod('on-plain', { node: 'plain', deleting: true }),
  ];
  const actions = planPodGc(pods, nodes, new Map(), 0, settings);
  assert.deepEqual(
    actions.map((a) => [a.pod.metadata?.name, a.kind === 'delete' ? a.reason : a.kind]),
    [
      ['pending-deleting', 'unscheduled-terminating'],
      ['on-down', 'out-of-service'],
    ],
  );
});

test('pods of a missing node are orphaned only after the quarantine; a node that comes back resets it', () => {
  const missing = new Map<string, number>();
  const pods = [pod('a', { node: 'gone' })];
  assert.deepEqual(planPodGc(pods, new Map(), missing, 1000, settings), []);
  assert.deepEqual(planPodGc(pods, new Map(), missing, 10_999, settings), []);
  assert.deepEqual(
    planPodGc(pods, new Map(), missing, 11_000, settings).map((a) => a.kind),
    ['orphaned'],
  );
  assert.deepEqual(planPodGc(pods, new Map([['gone', node('gone')]]), missing, 12_000, settings), []);
  assert.equal(missing.size, 0);
  assert.deepEqual(planPodGc(pods, new Map(), missing, 13_000, settings), [], 'quarantine starts again');
});

test('the sweep marks an orphaned pod Failed with DisruptionTarget, force-deletes it, and asks to run again', async () => {
  const fake = new FakeClient();
  fake.seed(NODES, node('here'));
  fake.seed(PODS, pod('orphan', { node: 'gone' }), pod('fine', { node: 'here' }));
  const pods = new Informer(fake, PODS, { log });
  const nodes = new Informer(fake, NODES, { log });
  pods.start();
  nodes.start();
  await Promise.all([pods.waitForSync(), nodes.waitForSync()]);
  let now = Date.parse('2024-05-01T10:00:00Z');
  const sweep = podGcReconciler({
    client: fake,
    pods,
    nodes,
    log,
    quarantineMs: 5000,
    intervalMs: 20_000,
    now: () => now,
  });
  assert.deepEqual(await sweep(SWEEP_KEY), { requeueAfterMs: 20_000 });
  assert.equal(fake.actions.length, 0, 'quarantine not over');
  now += 5000;
  await sweep(SWEEP_KEY);
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.name, a.subresource]),
    [
      ['patch', 'pods', 'orphan', 'status'],
      ['delete', 'pods', 'orphan', undefined],
    ],
  );
  const patch = fake.actions[0].body as { status: { phase: string; conditions: { type: string; reason: string }[] } };
  assert.equal(patch.status.phase, 'Failed');
  assert.deepEqual(
    patch.status.conditions.map((c) => [c.type, c.reason]),
    [['DisruptionTarget', 'DeletionByPodGC']],
  );
  assert.deepEqual(fake.actions[1].body, { gracePeriodSeconds: 0, preconditions: { uid: 'uid-orphan' } });
  await Promise.all([pods.stop(), nodes.stop()]);
});
