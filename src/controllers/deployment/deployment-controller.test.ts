import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { DeploymentController } from './deployment-controller.js';
import { computeHash } from './pod-template-hash.js';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const NOW = Date.parse('2024-01-01T01:00:00Z');
const template = (image: string) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image }] },
});

function deployment(
  image: string,
  extra: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'n', uid: 'd-uid', generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: template(image),
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...extra,
    },
    status,
  };
}

function ownedRS(
  image: string,
  replicas: number,
  revision: number,
  o: { available?: number; created?: string; desired?: number } = {},
): KubeObject {
  const hash = computeHash(template(image));
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`,
      namespace: 'n',
      uid: `rs-${image}`,
      generation: 1,
      creationTimestamp: o.created ?? '2024-01-01T00:00:00Z',
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: {
        'deployment.kubernetes.io/revision': String(revision),
        'deployment.kubernetes.io/desired-replicas': String(o.desired ?? 3),
        'deployment.kubernetes.io/max-replicas': String((o.desired ?? 3) + 1),
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: 'd-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      minReadySeconds: 0,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
      template: { ...template(image), metadata: { labels: { app: 'web', 'pod-template-hash': hash } } },
    },
    status: {
      replicas,
      availableReplicas: o.available ?? replicas,
      readyReplicas: o.available ?? replicas,
      observedGeneration: 1,
    },
  };
}

async function setup(d: KubeObject, rss: KubeObject[]) {
  const fake = new FakeClient();
  fake.seed(DEPLOYMENTS, d);
  fake.seed(REPLICASETS, ...rss);
  const deployments = new Informer(fake, DEPLOYMENTS, { log });
  const replicaSets = new Informer(fake, REPLICASETS, { log });
  const pods = new Informer(fake, PODS, { log });
  const informers = [deployments, replicaSets, pods];
  for (const i of informers) i.start();
  await Promise.all(informers.map((i) => i.waitForSync()));
  const recorder = new RecordingEventRecorder();
  const ctrl = new DeploymentController({
    client: fake,
    deployments,
    replicaSets,
    pods,
    recorder,
    log,
    now: () => NOW,
  });
  return { fake, ctrl, recorder, stop: () => Promise.all(informers.map((i) => i.stop())) };
}

const summary = (fake: FakeClient) =>
  fake.actions.map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`);
const conditionsOf = (body: unknown) =>
  (
    (body as { status: { conditions?: { type: string; status: string; reason: string }[] } }).status.conditions ?? []
  ).map((c) => `${c.type}=${c.status}/${c.reason}`);

test('a new Deployment: creates its ReplicaSet at full size, revision 1, Progressing NewReplicaSetCreated', async () => {
  const { fake, ctrl, recorder, stop } = await setup(deployment('nginx:1'), []);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const hash = computeHash(template('nginx:1'));
  assert.deepEqual(summary(fake), [
    `create replicasets web-${hash}`,
    'update deployments web',
    'update deployments/status web',
    'update deployments/status web',
  ]);
  assert.deepEqual(fake.actions[0].body, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`,
      namespace: 'n',
      labels: { app: 'web', 'pod-template-hash': hash },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: 'd-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      annotations: {
        'deployment.kubernetes.io/revision': '1',
        'deployment.kubernetes.io/desired-replicas': '3',
        'deployment.kubernetes.io/max-replicas': '4',
      },
    },
    spec: {
      replicas: 3,
      minReadySeconds: 0,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': hash } },
        spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
      },
    },
  });
  assert.deepEqual((fake.actions[1].body as KubeObject).metadata.annotations, {
    'deployment.kubernetes.io/revision': '1',
  });
  assert.deepEqual(conditionsOf(fake.actions[2].body), ['Progressing=True/NewReplicaSetCreated']);
  assert.deepEqual(conditionsOf(fake.actions[3].body), [
    'Progressing=True/NewReplicaSetCreated',
    'Available=False/MinimumReplicasUnavailable',
  ]);
  assert.deepEqual(recorder.events, [`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 3`]);
  await stop();
});

test('a template change starts a rolling update: the new ReplicaSet takes the surge, old pods stay while none is available', async () => {
  const d = deployment(
    'nginx:2',
    {},
    { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 },
  );
  d.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
  const { fake, ctrl, recorder, stop } = await setup(d, [ownedRS('nginx:1', 3, 1)]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const hash = computeHash(template('nginx:2'));
  assert.deepEqual(summary(fake), [
    `create replicasets web-${hash}`,
    'update deployments web',
    'update deployments/status web',
    'update deployments/status web',
  ]);
  assert.equal(
    (fake.actions[0].body as { spec: { replicas: number } }).spec.replicas,
    1,
    'maxSurge 25% of 3 rounds up to 1',
  );
  assert.equal((fake.actions[0].body as KubeObject).metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.deepEqual(recorder.events, [`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 1`]);
  await stop();
});

test('once new pods are available, old ones are scaled down within maxUnavailable', async () => {
  const d = deployment('nginx:2', {}, { observedGeneration: 1 });
  d.metadata.annotations = { 'deployment.kubernetes.io/revision': '2' };
  const oldRS = ownedRS('nginx:1', 3, 1);
  const newRS = ownedRS('nginx:2', 1, 2, { created: '2024-01-01T00:30:00Z' });
  const { fake, ctrl, recorder, stop } = await setup(d, [oldRS, newRS]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(summary(fake).slice(0, 2), [
    `update deployments/status web`,
    `update replicasets ${oldRS.metadata.name}`,
  ]);
  assert.equal((fake.actions[1].body as { spec: { replicas: number } }).spec.replicas, 2);
  assert.deepEqual(recorder.events, [
    `Normal ScalingReplicaSet Scaled down replica set ${oldRS.metadata.name} from 3 to 2`,
  ]);
  await stop();
});

test('paused: no new ReplicaSet for a changed template, only the DeploymentPaused condition', async () => {
  const d = deployment('nginx:2', { paused: true }, {});
  d.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
  const { fake, ctrl, stop } = await setup(d, [ownedRS('nginx:1', 3, 1)]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(summary(fake), ['update deployments/status web', 'update deployments/status web']);
  assert.deepEqual(conditionsOf(fake.actions[0].body), ['Progressing=Unknown/DeploymentPaused']);
  await stop();
});

test('scaling event: the only active ReplicaSet takes the new size, with a ScalingReplicaSet event', async () => {
  const d = deployment('nginx:1', { replicas: 5 }, {});
  d.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
  const rs = ownedRS('nginx:1', 3, 1);
  const { fake, ctrl, recorder, stop } = await setup(d, [rs]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(summary(fake), [
    'update deployments/status web',
    `update replicasets ${rs.metadata.name}`,
    'update deployments/status web',
  ]);
  assert.deepEqual(conditionsOf(fake.actions[0].body), ['Progressing=True/FoundNewReplicaSet']);
  const body = fake.actions[1].body as KubeObject & { spec: { replicas: number } };
  assert.equal(body.spec.replicas, 5);
  assert.equal(body.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
  assert.equal(body.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '7');
  assert.deepEqual(recorder.events, [`Normal ScalingReplicaSet Scaled up replica set ${rs.metadata.name} from 3 to 5`]);
  await stop();
});

test('revisionHistoryLimit: a complete rollout deletes the oldest scaled-down ReplicaSets beyond the limit', async () => {
  const d = deployment(
    'nginx:4',
    { revisionHistoryLimit: 1 },
    { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 },
  );
  d.metadata.annotations = { 'deployment.kubernetes.io/revision': '4' };
  const olds = [1, 2, 3].map((r) => ownedRS(`nginx:${r}`, 0, r, { created: `2024-01-01T00:0${r}:00Z` }));
  const { fake, ctrl, stop } = await setup(d, [...olds, ownedRS('nginx:4', 3, 4, { created: '2024-01-01T00:09:00Z' })]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    summary(fake).filter((a) => a.startsWith('delete')),
    [`delete replicasets ${olds[0].metadata.name}`, `delete replicasets ${olds[1].metadata.name}`],
  );
  await stop();
});

test('an orphan ReplicaSet matching the selector is adopted', async () => {
  const orphan = ownedRS('nginx:1', 3, 1);
  delete orphan.metadata.ownerReferences;
  const d = deployment('nginx:1');
  d.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
  const { fake, ctrl, stop } = await setup(d, [orphan]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(fake.actions[0], {
    verb: 'patch',
    resource: 'replicasets',
    namespace: 'n',
    name: orphan.metadata.name,
    body: {
      metadata: {
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'd-uid',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        resourceVersion: '102',
      },
    },
  });
  await stop();
});
