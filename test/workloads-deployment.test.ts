/**
 * Deployments driven by the real kubectl against a real `flotilla server` process (controllers
 * inside). No node agent exists yet, so the test plays the node: pods that appear are marked
 * Running and Ready through the status subresource.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { playNode, type NodePlayer } from './helpers/node-player.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { untilWith } from './helpers/wait-until.js';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../src/machinery/resources/well-known.js';

let server: TestServer;
let client: KubeClient;
let player: NodePlayer;

before(async () => {
  server = await startTestServer({ datastore: 'memory' });
  client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  player = playNode(client, 'default');
});
after(async () => {
  await player.stop();
  await client.close();
  await server.stop();
});

async function kubectl(...args: string[]): Promise<string> {
  const r = await server.kubectl(args, { timeoutMs: 40_000 });
  if (r.code !== 0) {
    const state = await server.kubectl(['get', 'deploy,rs,pods', '-o', 'yaml']);
    const logs = server
      .output()
      .stderr.split('\n')
      .filter((l) => /"level":(4|5)0/.test(l))
      .slice(-20)
      .join('\n');
    assert.fail(`kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}\n--- state\n${state.stdout}\n--- warnings\n${logs}`);
  }
  return r.stdout;
}

const until = untilWith({ timeoutMs: 15_000, intervalMs: 50 });

const livePods = async () =>
  (await client.list(PODS, 'default', { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
const images = async () =>
  [
    ...new Set((await livePods()).map((p) => (p.spec as { containers: { image: string }[] }).containers[0].image)),
  ].sort();
const replicaSets = async () => (await client.list(REPLICASETS, 'default', { labelSelector: 'app=web' })).items;

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: busybox:1
`;

test('kubectl drives a Deployment: apply, scale, set image, rollout status/history/undo/pause/resume/restart', async () => {
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: MANIFEST });
  assert.equal(applied.code, 0, applied.stderr);
  const pods = await until('3 pods', async () => {
    const p = await livePods();
    return p.length === 3 && p;
  });
  const [rs1] = await replicaSets();
  for (const p of pods) {
    assert.deepEqual(p.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: rs1.metadata.name,
        uid: rs1.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  }
  assert.match(
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s'),
    /deployment "web" successfully rolled out/,
  );

  await kubectl('scale', 'deployment/web', '--replicas=5');
  await until('5 pods', async () => (await livePods()).length === 5);
  await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.match(await kubectl('get', 'deployment', 'web'), /web\s+5\/5\s+5\s+5\s/);

  await kubectl('set', 'image', 'deployment/web', 'c=busybox:2');
  assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s'), /successfully rolled out/);
  await until(
    'only busybox:2 pods',
    async () => JSON.stringify(await images()) === '["busybox:2"]' && (await livePods()).length === 5,
  );

  const history = await kubectl('rollout', 'history', 'deployment/web');
  assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  assert.match(await kubectl('rollout', 'history', 'deployment/web', '--revision=1'), /busybox:1/);

  assert.match(await kubectl('rollout', 'undo', 'deployment/web'), /rolled back/);
  await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  await until('back on busybox:1', async () => JSON.stringify(await images()) === '["busybox:1"]');
  assert.match(
    await kubectl('rollout', 'history', 'deployment/web'),
    /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/,
  );
  assert.equal((await replicaSets()).length, 2, 'undo reused the first ReplicaSet');

  await kubectl('rollout', 'pause', 'deployment/web');
  await kubectl('set', 'image', 'deployment/web', 'c=busybox:3');
  await until('paused condition', async () => {
    const d = await client.get(DEPLOYMENTS, 'default', 'web');
    const st = d.status as { observedGeneration?: number; conditions?: { type: string; reason: string }[] };
    return (
      st.observedGeneration === d.metadata.generation &&
      st.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused')
    );
  });
  assert.equal((await replicaSets()).length, 2, 'no rollout while paused');
  await kubectl('rollout', 'resume', 'deployment/web');
  await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  await until('on busybox:3', async () => JSON.stringify(await images()) === '["busybox:3"]');

  await kubectl('rollout', 'restart', 'deployment/web');
  await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  const newest = (await replicaSets()).find(
    (r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '5',
  );
  assert.ok(
    (newest?.spec as { template: { metadata: { annotations?: Record<string, string> } } } | undefined)?.template
      .metadata.annotations?.['kubectl.kubernetes.io/restartedAt'],
  );
  const events = await kubectl(
    'get',
    'events',
    '--field-selector',
    'involvedObject.kind=Deployment,involvedObject.name=web',
  );
  assert.match(events, /ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\w+ from 0 to/);
});
