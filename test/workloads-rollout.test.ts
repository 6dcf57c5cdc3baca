import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestApi, type TestApi } from './helpers/api-client.js';
import { playNode, type NodePlayer } from './helpers/node-player.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { startControllers, type Controllers } from '../src/controllers/index.js';
import type { KubeObject } from '../src/api/object.js';
import { untilWith } from './helpers/wait-until.js';
import { DEPLOYMENTS, NAMESPACES, PODS, REPLICASETS } from '../src/machinery/resources/well-known.js';

let api: TestApi;
let client: KubeClient;
let controllers: Controllers;
let player: NodePlayer;

before(async () => {
  api = await startTestApi();
  client = createClient({ server: api.url });
  controllers = await startControllers({ client, log: pino({ level: process.env.TEST_LOG ?? 'silent' }) });
  player = playNode(client, 'default', 30);
});
after(async () => {
  await player.stop();
  await controllers.stop();
  await client.close();
  await api.close();
});

const until = untilWith({ timeoutMs: 10_000, intervalMs: 25 });

type Status = {
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  readyReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string }[];
};

async function rolledOut(name: string): Promise<KubeObject | false> {
  const d = await client.get(DEPLOYMENTS, 'default', name);
  const s = (d.status ?? {}) as Status;
  const want = (d.spec as { replicas: number }).replicas;
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    s.updatedReplicas === want &&
    s.replicas === want &&
    s.availableReplicas === want &&
    d
  );
}

const rsOf = async (app: string) => (await client.list(REPLICASETS, 'default', { labelSelector: `app=${app}` })).items;

test('a Deployment rolls out, rolls forward with a new ReplicaSet and records revisions', async () => {
  const d = await client.create(DEPLOYMENTS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
    },
  });
  const done = await until('first rollout', () => rolledOut('web'));
  assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const conds = ((done.status ?? {}) as Status).conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);
  assert.deepEqual(conds?.sort(), [
    'Available=True/MinimumReplicasAvailable',
    'Progressing=True/NewReplicaSetAvailable',
  ]);
  const [rs1] = await rsOf('web');
  const hash = rs1.metadata.labels?.['pod-template-hash'] ?? '';
  assert.equal(rs1.metadata.name, `web-${hash}`);
  assert.deepEqual(rs1.metadata.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: d.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual((rs1.spec as { selector: unknown }).selector, {
    matchLabels: { app: 'web', 'pod-template-hash': hash },
  });
  assert.equal(rs1.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs1.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');

  await client.patch(DEPLOYMENTS, 'default', 'web', 'merge', {
    spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } },
  });
  await until('second rollout', async () => (await rolledOut('web')) && (await rsOf('web')).length === 2);
  const rss = await rsOf('web');
  const byRev = Object.fromEntries(
    rss.map((r) => [
      r.metadata.annotations?.['deployment.kubernetes.io/revision'],
      (r.spec as { replicas: number }).replicas,
    ]),
  );
  assert.deepEqual(byRev, { 1: 0, 2: 3 });

  // Back to the first template (what `kubectl rollout undo` does): the old ReplicaSet is reused as revision 3.
  await client.patch(DEPLOYMENTS, 'default', 'web', 'merge', {
    spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  });
  await until(
    'rollback',
    async () =>
      (await rolledOut('web')) &&
      (await client.get(REPLICASETS, 'default', rs1.metadata.name ?? '')).metadata.annotations?.[
        'deployment.kubernetes.io/revision'
      ] === '3',
  );
  const back = await client.get(REPLICASETS, 'default', rs1.metadata.name ?? '');
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal((back.spec as { replicas: number }).replicas, 3);
  assert.equal((await rsOf('web')).length, 2);
});

test('Recreate: old pods are gone before new ones are created', async () => {
  await client.create(DEPLOYMENTS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'rec' },
    spec: {
      replicas: 2,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { app: 'rec' } },
      template: { metadata: { labels: { app: 'rec' } }, spec: { containers: [{ name: 'c', image: 'a' }] } },
    },
  });
  await until('first rollout', () => rolledOut('rec'));
  await client.patch(DEPLOYMENTS, 'default', 'rec', 'merge', {
    spec: { template: { spec: { containers: [{ name: 'c', image: 'b' }] } } },
  });
  await until('recreated', () => rolledOut('rec'));
  const pods = (await client.list(PODS, 'default', { labelSelector: 'app=rec' })).items;
  assert.deepEqual(
    pods.map((p) => (p.spec as { containers: { image: string }[] }).containers[0].image),
    ['b', 'b'],
  );
});

test('a rollout whose pods never become ready exceeds its progress deadline', async () => {
  await client.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stuck' } });
  await client.create(DEPLOYMENTS, 'stuck', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'slow' },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 1,
      selector: { matchLabels: { app: 'slow' } },
      template: { metadata: { labels: { app: 'slow' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  });
  const d = await until(
    'ProgressDeadlineExceeded',
    async () => {
      const got = await client.get(DEPLOYMENTS, 'stuck', 'slow');
      const c = ((got.status ?? {}) as Status).conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'ProgressDeadlineExceeded' && c.status === 'False' && got;
    },
    { timeoutMs: 8000 },
  );
  const avail = ((d.status ?? {}) as Status).conditions?.find((x) => x.type === 'Available');
  assert.equal(avail?.reason, 'MinimumReplicasUnavailable');
});
