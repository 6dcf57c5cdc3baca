import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { DisruptionController } from './disruption-controller.js';
import { DEPLOYMENTS, PDBS, PODS, REPLICASETS, STATEFULSETS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const NOW = Date.parse('2024-01-01T00:01:00Z');

const deploy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'n', uid: 'd-uid' },
  spec: { replicas: 4 },
};
const rs: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: 'web-1',
    namespace: 'n',
    uid: 'rs-uid',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }],
  },
  spec: { replicas: 4 },
};
function pod(name: string, isReady: boolean, owned = true): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'n',
      uid: `uid-${name}`,
      labels: { app: 'web' },
      ...(owned
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-uid', controller: true },
            ],
          }
        : {}),
    },
    spec: { containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False' }] },
  };
}
const budget = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'n', generation: 1 },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
});

async function setup(pdb: KubeObject, pods: KubeObject[]) {
  const fake = new FakeClient();
  fake.seed(PDBS, pdb);
  fake.seed(PODS, ...pods);
  fake.seed(REPLICASETS, rs);
  fake.seed(DEPLOYMENTS, deploy);
  const pdbs = new Informer(fake, PDBS, { log });
  const podInf = new Informer(fake, PODS, { log });
  const replicaSets = new Informer(fake, REPLICASETS, { log });
  const deployments = new Informer(fake, DEPLOYMENTS, { log });
  const statefulSets = new Informer(fake, STATEFULSETS, { log });
  const infs = [pdbs, podInf, replicaSets, deployments, statefulSets];
  for (const i of infs) i.start();
  await Promise.all(infs.map((i) => i.waitForSync()));
  const recorder = new RecordingEventRecorder();
  const ctrl = new DisruptionController({
    client: fake,
    pdbs,
    pods: podInf,
    replicaSets,
    deployments,
    statefulSets,
    recorder,
    log,
    now: () => NOW,
  });
  return { fake, ctrl, recorder, stop: () => Promise.all(infs.map((i) => i.stop())) };
}

test('maxUnavailable 1 over a 4-replica Deployment with 3 ready pods: expected 4, desired 3, 0 allowed', async () => {
  const { fake, ctrl, stop } = await setup(budget({ maxUnavailable: 1 }), [
    pod('a', true),
    pod('b', true),
    pod('c', true),
    pod('d', false),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.name, a.subresource]),
    [['update', 'poddisruptionbudgets', 'web', 'status']],
  );
  assert.deepEqual((fake.actions[0].body as KubeObject).status, {
    observedGeneration: 1,
    disruptedPods: {},
    currentHealthy: 3,
    desiredHealthy: 3,
    expectedPods: 4,
    disruptionsAllowed: 0,
    conditions: [
      {
        type: 'DisruptionAllowed',
        status: 'False',
        reason: 'InsufficientPods',
        message: '',
        lastTransitionTime: '2024-01-01T00:01:00Z',
      },
    ],
  });
  await stop();
});

test('minAvailable 2 with 3 ready pods allows 1; a second reconcile writes nothing', async () => {
  const { fake, ctrl, stop } = await setup(budget({ minAvailable: 2 }), [
    pod('a', true),
    pod('b', true),
    pod('c', true),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const status = (fake.actions[0].body as KubeObject).status as {
    disruptionsAllowed: number;
    conditions: { reason: string }[];
  };
  assert.deepEqual([status.disruptionsAllowed, status.conditions[0].reason], [1, 'SufficientPods']);
  await new Promise((r) => setTimeout(r, 20));
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.equal(fake.actions.length, 1);
  await stop();
});

test('a percentage over a pod without a controller fails the sync: 0 allowed, SyncFailed, a warning event', async () => {
  const { fake, ctrl, recorder, stop } = await setup(budget({ minAvailable: '50%' }), [
    pod('a', true),
    pod('loose', true, false),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const status = (fake.actions[0].body as KubeObject).status as {
    disruptionsAllowed: number;
    conditions: { reason: string; message: string }[];
  };
  assert.deepEqual(
    [status.disruptionsAllowed, status.conditions[0].reason, status.conditions[0].message],
    [0, 'SyncFailed', 'found no controllers for pod "loose"'],
  );
  assert.deepEqual(recorder.events, [
    'Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controllers for pod "loose"',
  ]);
  await stop();
});

test('keysForPod: only PDBs selecting the pod; workload events wake every PDB of the namespace', async () => {
  const { ctrl, stop } = await setup(budget({ minAvailable: 1 }), []);
  assert.deepEqual(ctrl.keysForPod(pod('a', true)), [{ namespace: 'n', name: 'web' }]);
  assert.deepEqual(
    ctrl.keysForPod({ ...pod('z', true), metadata: { name: 'z', namespace: 'n', labels: { app: 'other' } } }),
    [],
  );
  assert.deepEqual(ctrl.keysForWorkload(rs), [{ namespace: 'n', name: 'web' }]);
  await stop();
});
