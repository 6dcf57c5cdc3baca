import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestApi, type TestApi } from './helpers/api-client.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { startControllers, type Controllers } from '../src/controllers/index.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectOf } from '../src/machinery/resources/resource.js';
import { EVENTS, PODS, REPLICASETS } from '../src/machinery/resources/well-known.js';
import { quietPeriod, untilWith } from './helpers/wait-until.js';

let api: TestApi;
let client: KubeClient;
let controllers: Controllers;

before(async () => {
  api = await startTestApi();
  client = createClient({ server: api.url });
  controllers = await startControllers({ client, log: pino({ level: process.env.TEST_LOG ?? 'silent' }) });
});
after(async () => {
  await controllers.stop();
  await client.close();
  await api.close();
});

const until = untilWith({ timeoutMs: 8000, intervalMs: 25 });

const podsOf = async (app: string) =>
  (await client.list(PODS, 'default', { labelSelector: `app=${app}` })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );

async function markReady(pod: ObjectOf<Pod>): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.updateStatus(PODS, 'default', {
    ...pod,
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
  });
}

test('a ReplicaSet keeps its replicas: creates, reports ready pods, replaces a deleted pod, scales down', async () => {
  const rs = await client.create(REPLICASETS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'cache' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'cache' } },
      template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });
  const pods = await until('3 pods', async () => {
    const p = await podsOf('cache');
    return p.length === 3 && p;
  });
  for (const p of pods) {
    assert.deepEqual(p.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'cache',
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.match(p.metadata.name ?? '', /^cache-[a-z0-9]{5}$/);
    await markReady(p);
  }
  await until('status ready 3', async () => {
    const s = (await client.get(REPLICASETS, 'default', 'cache')).status as {
      readyReplicas?: number;
      availableReplicas?: number;
      observedGeneration?: number;
    };
    return s.readyReplicas === 3 && s.availableReplicas === 3 && s.observedGeneration === 1;
  });
  await client.delete(PODS, 'default', pods[0].metadata.name ?? '');
  await until('a replacement', async () => {
    const p = await podsOf('cache');
    return p.length === 3 && !p.some((x) => x.metadata.name === pods[0].metadata.name);
  });
  await client.patch(REPLICASETS, 'default', 'cache', 'merge', { spec: { replicas: 1 } });
  const left = await until('1 pod', async () => {
    const p = await podsOf('cache');
    return p.length === 1 && p;
  });
  assert.ok(
    [pods[1].metadata.name, pods[2].metadata.name].includes(left[0].metadata.name),
    'a ready pod is kept, the new unready one goes',
  );
  const events = await client.list(EVENTS, 'default', { fieldSelector: 'involvedObject.name=cache' });
  const reasons = events.items.map((e) => (e as { reason?: string }).reason);
  assert.ok(reasons.includes('SuccessfulCreate') && reasons.includes('SuccessfulDelete'), reasons.join(','));
});

test('an orphan pod matching the selector is adopted instead of creating a new one', async () => {
  await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'stray', labels: { app: 'adopt' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  const rs = await client.create(REPLICASETS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'adopter' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'adopt' } },
      template: { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });
  await until(
    'adopted',
    async () => (await client.get(PODS, 'default', 'stray')).metadata.ownerReferences?.[0]?.uid === rs.metadata.uid,
  );
  await quietPeriod(200, 'no second pod: the adopted one counts toward replicas');
  assert.deepEqual(
    (await podsOf('adopt')).map((p) => p.metadata.name),
    ['stray'],
  );
});
