import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { GenerateNameFakeClient } from './fake-cluster.js';
import { ReplicaSetController } from './replicaset-controller.js';
import { PODS, REPLICASETS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const OWNER = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: 'web',
  uid: 'rs-uid',
  controller: true,
  blockOwnerDeletion: true,
};

function replicaSet(replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'n', uid: 'rs-uid', generation: 2 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...extra,
    },
  };
}

function pod(
  name: string,
  o: { owned?: boolean; labels?: Record<string, string>; ready?: boolean; node?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'n',
      uid: `uid-${name}`,
      labels: o.labels ?? { app: 'web' },
      ...(o.owned === false ? {} : { ownerReferences: [OWNER] }),
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: o.ready
      ? {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
        }
      : { phase: 'Pending' },
  };
}

async function setup(rs: KubeObject, pods: KubeObject[]) {
  const fake = new GenerateNameFakeClient();
  fake.seed(REPLICASETS, rs);
  fake.seed(PODS, ...pods);
  const replicaSets = new Informer(fake, REPLICASETS, { log });
  const podInformer = new Informer(fake, PODS, { log });
  const recorder = new RecordingEventRecorder();
  const ctrl = new ReplicaSetController({
    client: fake,
    replicaSets,
    pods: podInformer,
    recorder,
    log,
    now: () => Date.parse('2024-01-01T01:00:00Z'),
  });
  podInformer.addHandlers(ctrl.observePod);
  replicaSets.start();
  podInformer.start();
  await Promise.all([replicaSets.waitForSync(), podInformer.waitForSync()]);
  const stop = async () => {
    await replicaSets.stop();
    await podInformer.stop();
  };
  return { fake, ctrl, recorder, stop };
}

const statusOf = (body: unknown) => (body as { status: unknown }).status;

test('scale up: creates the missing pods from the template in slow-start batches, then writes status', async () => {
  const { fake, ctrl, recorder, stop } = await setup(replicaSet(3), [pod('web-a')]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const podBody = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', namespace: 'n', ownerReferences: [OWNER], labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  };
  assert.deepEqual(fake.actions.slice(0, 2), [
    { verb: 'create', resource: 'pods', namespace: 'n', name: '', body: podBody },
    { verb: 'create', resource: 'pods', namespace: 'n', name: '', body: podBody },
  ]);
  assert.equal(fake.actions[2].verb, 'update');
  assert.equal(fake.actions[2].subresource, 'status');
  assert.deepEqual(statusOf(fake.actions[2].body), {
    replicas: 1,
    fullyLabeledReplicas: 1,
    readyReplicas: 0,
    availableReplicas: 0,
    observedGeneration: 2,
  });
  assert.equal(fake.actions.length, 3);
  assert.deepEqual(recorder.events, [
    'Normal SuccessfulCreate Created pod: web-1',
    'Normal SuccessfulCreate Created pod: web-2',
  ]);
  await new Promise((r) => setImmediate(r));
  assert.ok(ctrl.expectations.satisfied('n/web'), 'both creations observed through the informer');
  await stop();
});

test('expectations: a cache that has not seen the creates yet does not create again', async () => {
  const { fake, ctrl, stop } = await setup(replicaSet(2), []);
  ctrl.expectations.expect('n/web', 2);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => `${a.verb} ${a.resource}`),
    ['update replicasets'],
    'only the status',
  );
  await stop();
});

test('scale down: deletes the least valuable pods (unscheduled, not ready) first', async () => {
  const { fake, ctrl, recorder, stop } = await setup(replicaSet(1), [
    pod('ready', { ready: true, node: 'n1' }),
    pod('pending', { node: 'n1' }),
    pod('unscheduled'),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(fake.actions.slice(0, 2), [
    { verb: 'delete', resource: 'pods', namespace: 'n', name: 'unscheduled', body: {} },
    { verb: 'delete', resource: 'pods', namespace: 'n', name: 'pending', body: {} },
  ]);
  assert.deepEqual(recorder.events, [
    'Normal SuccessfulDelete Deleted pod: unscheduled',
    'Normal SuccessfulDelete Deleted pod: pending',
  ]);
  assert.deepEqual(statusOf(fake.actions[2].body), {
    replicas: 3,
    fullyLabeledReplicas: 3,
    readyReplicas: 1,
    availableReplicas: 1,
    observedGeneration: 2,
  });
  await stop();
});

test('adopts a matching orphan (after re-reading the owner) and releases a pod that stopped matching', async () => {
  const { fake, ctrl, stop } = await setup(replicaSet(2), [
    pod('orphan', { owned: false }),
    pod('strayed', { labels: { app: 'other' } }),
    pod('kept'),
  ]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(fake.actions.slice(0, 2), [
    {
      verb: 'patch',
      resource: 'pods',
      namespace: 'n',
      name: 'orphan',
      body: { metadata: { ownerReferences: [OWNER], resourceVersion: '102' } },
    },
    {
      verb: 'patch',
      resource: 'pods',
      namespace: 'n',
      name: 'strayed',
      body: { metadata: { ownerReferences: null, resourceVersion: '103' } },
    },
  ]);
  assert.deepEqual(
    fake.actions.slice(2).map((a) => `${a.verb} ${a.resource}`),
    ['update replicasets'],
    'two pods now: nothing to create',
  );
  await stop();
});

test('a failing create sets ReplicaFailure, stops the slow start and retries (throws)', async () => {
  const { fake, ctrl, recorder, stop } = await setup(replicaSet(3), []);
  fake.failCreates.push({ code: 403, reason: 'Forbidden', message: 'exceeded quota' });
  await assert.rejects(ctrl.reconcile({ namespace: 'n', name: 'web' }), /exceeded quota/);
  assert.deepEqual(
    fake.actions.map((a) => `${a.verb} ${a.resource}`),
    ['create pods', 'update replicasets'],
  );
  const status = statusOf(fake.actions[1].body) as { conditions: { type: string; reason: string; message: string }[] };
  assert.deepEqual(
    status.conditions.map((c) => [c.type, c.reason, c.message]),
    [['ReplicaFailure', 'FailedCreate', 'exceeded quota']],
  );
  assert.deepEqual(recorder.events, ['Warning FailedCreate Error creating: exceeded quota']);
  assert.ok(ctrl.expectations.satisfied('n/web'), 'failed and skipped creates are not expected');
  await stop();
});

test('nothing to do: no writes when the status is current; a deleted ReplicaSet is done', async () => {
  const rs = replicaSet(1);
  rs.status = { replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 2 };
  const { fake, ctrl, stop } = await setup(rs, [pod('only')]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  await ctrl.reconcile({ namespace: 'n', name: 'gone' });
  assert.deepEqual(fake.actions, []);
  await stop();
});

test('keysForPod: the controlling ReplicaSet, or every ReplicaSet selecting an orphan', async () => {
  const { ctrl, stop } = await setup(replicaSet(1), []);
  assert.deepEqual(ctrl.keysForPod(pod('p')), [{ namespace: 'n', name: 'web' }]);
  assert.deepEqual(ctrl.keysForPod(pod('o', { owned: false })), [{ namespace: 'n', name: 'web' }]);
  assert.deepEqual(ctrl.keysForPod(pod('x', { owned: false, labels: { app: 'x' } })), []);
  await stop();
});
