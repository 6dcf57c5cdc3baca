/**
 * `kubectl drain` respecting a PodDisruptionBudget, on a real `flotilla server` with hollow nodes
 * in the test process. A 3-replica Deployment spread one pod per node (required anti-affinity)
 * and a PDB with minAvailable 2 allow one disruption at a time. Hollow nodes start pods after
 * 4 s, so a replacement is not Ready at once: draining a second node right after the first is
 * refused (429) until the first node's replacement is Ready elsewhere, then succeeds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { HollowNodes } from '../src/agent/hollow/index.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { hollowNodeClient } from './helpers/hollow-cluster.js';
import { parseTable, writeManifest } from './helpers/e2e.js';
import { until } from './helpers/wait-until.js';

let server: TestServer;
let client: KubeClient;
let hollow: HollowNodes;

before(async () => {
  server = await startTestServer({ datastore: 'memory' });
  client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  hollow = new HollowNodes({
    client,
    clientFor: (name) => hollowNodeClient(client, name),
    log: pino({ level: 'warn' }),
    count: 4,
    namePrefix: 'hollow-',
    leaseRenewIntervalMs: 1000,
    statusSyncIntervalMs: 1000,
    podStartDelayMs: 4000,
  });
  await hollow.registerAll();
  hollow.start();
});

after(async () => {
  await hollow?.stop();
  await client?.close();
  await server?.stop();
});

async function kubectl(args: string[], timeoutMs = 40_000): Promise<{ code: number; out: string }> {
  const r = await server.kubectl(args, { timeoutMs });
  return { code: r.code, out: r.stdout + r.stderr };
}

async function kubectlOk(args: string[]): Promise<string> {
  const r = await kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.out}`);
  return r.out;
}

interface PodList {
  items: {
    metadata: { name: string };
    spec: { nodeName?: string };
    status: { conditions?: { type: string; status: string }[] };
  }[];
}

async function pdbStatus(): Promise<Record<string, unknown>> {
  return JSON.parse(await kubectlOk(['get', 'pdb', 'web', '-o', 'jsonpath={.status}'])) as Record<string, unknown>;
}

test('drain evicts within the budget: the next node waits until the replacement is Ready elsewhere', async () => {
  await kubectlOk([
    'apply',
    '-f',
    await writeManifest(
      server,
      'web.yaml',
      `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: app, image: busybox}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
`,
    ),
  ]);
  await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=20s']);
  await until(
    'PDB allows 1',
    async () => {
      const s = await pdbStatus();
      return s.disruptionsAllowed === 1 && s.currentHealthy === 3 ? s : undefined;
    },
    { timeoutMs: 10_000 },
  );
  const table = parseTable(await kubectlOk(['get', 'pdb']));
  assert.deepEqual(
    table.records.map((r) => [r.NAME, r['MIN AVAILABLE'], r['MAX UNAVAILABLE'], r['ALLOWED DISRUPTIONS']]),
    [['web', '2', 'N/A', '1']],
  );

  const pods = JSON.parse(await kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList;
  const used = pods.items.map((p) => p.spec.nodeName ?? '').sort();
  assert.equal(new Set(used).size, 3, `one pod per node: ${used.join(',')}`);
  const [first, second] = used;
  const free = ['hollow-0', 'hollow-1', 'hollow-2', 'hollow-3'].find((n) => !used.includes(n));

  const drainFirst = await kubectl(['drain', first, '--ignore-daemonsets', '--timeout=30s']);
  assert.equal(drainFirst.code, 0, drainFirst.out);
  assert.match(drainFirst.out, new RegExp(`node/${first} drained`));
  // The budget is spent until the replacement (starting on the free node) is Ready.
  const started = Date.now();
  const drainSecond = await kubectl(['drain', second, '--ignore-daemonsets', '--timeout=40s']);
  assert.equal(drainSecond.code, 0, drainSecond.out);
  assert.match(drainSecond.out, /Cannot evict pod as it would violate the pod's disruption budget/);
  assert.match(drainSecond.out, new RegExp(`node/${second} drained`));
  assert.ok(Date.now() - started >= 4000, "the second eviction was retried after kubectl's 5 s back-off");

  const after = JSON.parse(await kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList;
  const ready = after.items.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  assert.deepEqual(
    ready.map((p) => p.spec.nodeName).sort(),
    [free, used[2]].sort(),
    'the first replacement runs on the free node',
  );
  // The second replacement has nowhere to go (two nodes cordoned, anti-affinity), so the budget is exhausted.
  const s = await until(
    'PDB recomputed',
    async () => {
      const st = await pdbStatus();
      return st.currentHealthy === 2 && st.expectedPods === 3 ? st : undefined;
    },
    { timeoutMs: 10_000 },
  );
  assert.deepEqual([s.desiredHealthy, s.disruptionsAllowed], [2, 0]);
  assert.deepEqual(
    (s.conditions as { type: string; status: string; reason: string }[]).map((c) => [c.type, c.status, c.reason]),
    [['DisruptionAllowed', 'False', 'InsufficientPods']],
  );
});
