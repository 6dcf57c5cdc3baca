import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { newRevision } from '../history/controller-revision.js';
import { StatefulSetController } from './statefulset-controller.js';
import { CONTROLLER_REVISIONS, PODS, PVCS, STATEFULSETS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const TEMPLATE = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
const OWNER = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  name: 'web',
  uid: 'sts-uid',
  controller: true,
  blockOwnerDeletion: true,
};

function statefulSet(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'n', uid: 'sts-uid', generation: 1 },
    spec: {
      replicas: 2,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: TEMPLATE,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function readyPod(ord: number, rev: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${ord}`,
      namespace: 'n',
      uid: `pod-${ord}`,
      labels: { app: 'web', 'controller-revision-hash': rev },
      ownerReferences: [OWNER],
    },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    },
  };
}

async function setup(set: KubeObject, seed: { pods?: KubeObject[]; revisions?: KubeObject[] } = {}) {
  const fake = new FakeClient();
  fake.seed(STATEFULSETS, set);
  fake.seed(PODS, ...(seed.pods ?? []));
  fake.seed(CONTROLLER_REVISIONS, ...(seed.revisions ?? []));
  const statefulSets = new Informer(fake, STATEFULSETS, { log });
  const pods = new Informer(fake, PODS, { log });
  const revisions = new Informer(fake, CONTROLLER_REVISIONS, { log });
  const informers = [statefulSets, pods, revisions];
  for (const i of informers) i.start();
  await Promise.all(informers.map((i) => i.waitForSync()));
  const recorder = new RecordingEventRecorder();
  const ctrl = new StatefulSetController({
    client: fake,
    statefulSets,
    pods,
    revisions,
    recorder,
    log,
    now: () => Date.parse('2024-01-01T01:00:00Z'),
  });
  return { fake, ctrl, recorder, stop: () => Promise.all(informers.map((i) => i.stop())) };
}

test('first sync: creates revision 1, then only web-0 (with its claim first), then status', async () => {
  const set = statefulSet({
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
  });
  const { fake, ctrl, recorder, stop } = await setup(set);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const rev = newRevision({ ...set, metadata: { ...set.metadata, uid: 'sts-uid' } }, TEMPLATE, {
    hashLabel: 'name',
    revision: 1,
    collisionCount: 0,
  });
  const revName = rev.metadata.name ?? '';
  assert.deepEqual(
    fake.actions.map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`),
    [
      `create controllerrevisions ${revName}`,
      'create persistentvolumeclaims data-web-0',
      'create pods web-0',
      'update statefulsets/status web',
    ],
  );
  assert.deepEqual(fake.actions[0].body, rev);
  const pod = fake.actions[2].body as KubeObject;
  assert.equal(pod.metadata.labels?.['controller-revision-hash'], revName);
  assert.deepEqual((fake.actions[3].body as { status: unknown }).status, {
    observedGeneration: 1,
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    currentRevision: revName,
    updateRevision: revName,
    collisionCount: 0,
  });
  assert.deepEqual(recorder.events, [
    'Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success',
    'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful',
  ]);
  await stop();
});

test('template change: a new revision 2, the highest ordinal deleted (uid precondition), status keeps the current revision', async () => {
  const oldTemplate = { ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'busybox:0' }] } };
  const base = statefulSet();
  const rev1 = newRevision(base, oldTemplate, { hashLabel: 'name', revision: 1, collisionCount: 0 });
  const r1 = rev1.metadata.name ?? '';
  const set = statefulSet(
    {},
    {
      currentRevision: r1,
      updateRevision: r1,
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      collisionCount: 0,
    },
  );
  const { fake, ctrl, stop } = await setup(set, { pods: [readyPod(0, r1), readyPod(1, r1)], revisions: [rev1] });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const r2 = newRevision(base, TEMPLATE, { hashLabel: 'name', revision: 2, collisionCount: 0 }).metadata.name ?? '';
  assert.deepEqual(
    fake.actions.map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`),
    [`create controllerrevisions ${r2}`, 'delete pods web-1', 'update statefulsets/status web'],
  );
  assert.deepEqual(fake.actions[1].body, { preconditions: { uid: 'pod-1' } });
  const st = (fake.actions[2].body as { status: Record<string, unknown> }).status;
  assert.deepEqual([st.currentRevision, st.updateRevision, st.currentReplicas, st.updatedReplicas], [r1, r2, 2, 0]);
  await stop();
});

test('steady state: nothing to write', async () => {
  const rev1 = newRevision(statefulSet(), TEMPLATE, { hashLabel: 'name', revision: 1, collisionCount: 0 });
  const r1 = rev1.metadata.name ?? '';
  const set = statefulSet(
    {},
    {
      currentRevision: r1,
      updateRevision: r1,
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      collisionCount: 0,
    },
  );
  const { fake, ctrl, stop } = await setup(set, { pods: [readyPod(0, r1), readyPod(1, r1)], revisions: [rev1] });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(fake.actions, []);
  await stop();
});

test('scale down with whenScaled=Delete: the condemned pod becomes an owner of its claim, then is deleted', async () => {
  const rev1 = newRevision(statefulSet(), TEMPLATE, { hashLabel: 'name', revision: 1, collisionCount: 0 });
  const r1 = rev1.metadata.name ?? '';
  const set = statefulSet(
    {
      replicas: 1,
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
    },
    {
      currentRevision: r1,
      updateRevision: r1,
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      collisionCount: 0,
    },
  );
  const { fake, ctrl, stop } = await setup(set, { pods: [readyPod(0, r1), readyPod(1, r1)], revisions: [rev1] });
  fake.seed(PVCS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-web-1', namespace: 'n' },
    spec: {},
  });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`),
    ['update persistentvolumeclaims data-web-1', 'delete pods web-1'],
    'status (counted before the deletion, as Kubernetes does) is unchanged',
  );
  const refs = (fake.actions[0].body as { metadata: { ownerReferences: unknown[] } }).metadata.ownerReferences;
  assert.deepEqual(refs, [
    { apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'pod-1', controller: false, blockOwnerDeletion: true },
  ]);
  await stop();
});

test('Parallel: every missing pod is created in one sync', async () => {
  const { fake, ctrl, stop } = await setup(statefulSet({ replicas: 3, podManagementPolicy: 'Parallel' }));
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.filter((a) => a.resource === 'pods').map((a) => a.name),
    ['web-0', 'web-1', 'web-2'],
  );
  await stop();
});

test('orphans: a matching pod named like a member is adopted (after a live read of the set); one that is not a member is left alone', async () => {
  const rev1 = newRevision(statefulSet(), TEMPLATE, { hashLabel: 'name', revision: 1, collisionCount: 0 });
  const r1 = rev1.metadata.name ?? '';
  const orphan = { ...readyPod(0, r1), metadata: { ...readyPod(0, r1).metadata, ownerReferences: undefined } };
  const stranger = {
    ...readyPod(7, r1),
    metadata: { ...readyPod(7, r1).metadata, name: 'other-7', uid: 'pod-x', ownerReferences: undefined },
  };
  const { fake, ctrl, stop } = await setup(statefulSet({ replicas: 1 }), {
    pods: [orphan, stranger],
    revisions: [rev1],
  });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual([fake.actions[0].verb, fake.actions[0].resource, fake.actions[0].name], ['patch', 'pods', 'web-0']);
  const patch = fake.actions[0].body as { metadata: { ownerReferences: unknown[]; resourceVersion: string } };
  assert.deepEqual(patch.metadata.ownerReferences, [OWNER]);
  assert.match(patch.metadata.resourceVersion, /^\d+$/, 'guarded by the resourceVersion');
  assert.deepEqual(
    fake.actions.slice(1).map((a) => `${a.verb} ${a.resource} ${a.name}`),
    ['update statefulsets web'],
    'no pod created: the adopted web-0 counts',
  );
  await stop();
});
