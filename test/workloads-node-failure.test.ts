/**
 * A node dies under a Deployment, with the server's default timings (node lifecycle grace 8 s,
 * default tolerations 5 s): on a real `flotilla server` with 3 hollow nodes, real kubectl. The
 * dead node goes NotReady, its pods turn not ready, are evicted, and the ReplicaSet's replacements
 * run on the two live nodes; the Deployment is fully available again without the dead node.
 * (The time it takes is measured by bench/node-failure-bench.ts, not asserted here.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeManifest } from './helpers/e2e.js';
import { until } from './helpers/wait-until.js';
import { startHollowCluster, type HollowCluster } from './helpers/hollow-cluster.js';

let cluster: HollowCluster;

before(async () => {
  cluster = await startHollowCluster({ count: 3, namePrefix: 'nf-' });
});
after(async () => {
  await cluster?.stop();
});

interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { phase?: string };
  }[];
}

async function kubectlOk(args: string[]): Promise<string> {
  const r = await cluster.server.kubectl(args, { timeoutMs: 40_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const livePods = async (): Promise<PodList['items']> =>
  (JSON.parse(await kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );

test('a node killed under a Deployment: its pods are replaced on the other nodes, and the Deployment is available again', async () => {
  await kubectlOk([
    'apply',
    '-f',
    await writeManifest(
      cluster.server,
      'web.yaml',
      `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}]
      containers: [{name: web, image: busybox}]
`,
    ),
  ]);
  await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  const before = await livePods();
  const victims = before.filter((p) => p.spec.nodeName === 'nf-1').map((p) => p.metadata.name);
  // ScheduleAnyway: DoNotSchedule would keep the replacements Pending, since the dead node still
  // counts as an empty domain (nodeTaintsPolicy Ignore), as on Kubernetes.
  assert.ok(victims.length >= 1, `pods spread over the nodes: ${JSON.stringify(before.map((p) => p.spec.nodeName))}`);

  const killedAt = Date.now();
  await cluster.hollow.stopNode('nf-1');
  await until(
    'nf-1 NotReady',
    async () =>
      (
        await kubectlOk(['get', 'node', 'nf-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])
      ).trim() === 'Unknown',
    { timeoutMs: 30_000 },
  );
  const pods = await until(
    '6 Running pods, none on nf-1',
    async () => {
      const live = await livePods();
      return live.length === 6 && live.every((p) => p.status.phase === 'Running' && p.spec.nodeName !== 'nf-1')
        ? live
        : undefined;
    },
    { timeoutMs: 40_000 },
  );
  const replacedMs = Date.now() - killedAt;
  for (const v of victims) assert.ok(!pods.some((p) => p.metadata.name === v), `${v} replaced`);
  assert.deepEqual([...new Set(pods.map((p) => p.spec.nodeName))].sort(), ['nf-0', 'nf-2']);
  await until(
    'deployment available',
    async () =>
      (await kubectlOk(['get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}'])).trim() === '6',
    { timeoutMs: 20_000 },
  );
  process.stdout.write(`replacements Running ${replacedMs} ms after the node died (default timings)\n`);
});
