/**
 * Hollow nodes against a real `flotilla server`, driven with the real kubectl: registration and
 * `kubectl get nodes`, node IPAM, a pod bound through pods/binding reported Running, and a node
 * whose heartbeats stop going NotReady with the unreachable taints and its pod evicted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { HollowNodes } from '../src/agent/hollow/index.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { hollowNodeClient } from './helpers/hollow-cluster.js';
import { parseTable, writeManifest } from './helpers/e2e.js';
import { untilWith } from './helpers/wait-until.js';

let server: TestServer;
let client: KubeClient;
let hollow: HollowNodes;

const until = untilWith({ timeoutMs: 20_000, intervalMs: 200 });

async function kubectlOk(args: string[]): Promise<string> {
  const r = await server.kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  server = await startTestServer({
    env: {
      FLOTILLA_NODE_MONITOR_GRACE_PERIOD_MS: '3000',
      FLOTILLA_POD_GC_QUARANTINE_MS: '1000',
      FLOTILLA_POD_GC_INTERVAL_MS: '500',
    },
  });
  client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  hollow = new HollowNodes({
    client,
    clientFor: (name) => hollowNodeClient(client, name),
    log: pino({ level: 'warn' }),
    count: 3,
    namePrefix: 'hollow-',
    leaseRenewIntervalMs: 500,
    statusSyncIntervalMs: 1000,
  });
  await hollow.registerAll();
  hollow.start();
});

after(async () => {
  await hollow?.stop();
  await client?.close();
  await server?.stop();
});

test('kubectl get nodes lists the hollow nodes Ready with roles, version and addresses; each gets a pod CIDR', async () => {
  // Roles are labels an admin sets (NodeRestriction forbids a node to give itself one).
  await kubectlOk(['label', 'nodes', '--all', 'node-role.kubernetes.io/hollow=']);
  const table = parseTable(await kubectlOk(['get', 'nodes']));
  assert.deepEqual(table.header, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  assert.deepEqual(
    table.records.map((r) => [r.NAME, r.STATUS, r.ROLES, r.VERSION]),
    [
      ['hollow-0', 'Ready', 'hollow', 'v1.31.0-flotilla'],
      ['hollow-1', 'Ready', 'hollow', 'v1.31.0-flotilla'],
      ['hollow-2', 'Ready', 'hollow', 'v1.31.0-flotilla'],
    ],
  );
  const wide = parseTable(await kubectlOk(['get', 'nodes', '-o', 'wide']));
  assert.deepEqual(
    wide.records.map((r) => [r['INTERNAL-IP'], r['CONTAINER-RUNTIME']]),
    [
      ['10.200.0.1', 'fake://0.1.0'],
      ['10.200.0.2', 'fake://0.1.0'],
      ['10.200.0.3', 'fake://0.1.0'],
    ],
  );
  const cidrs = await until('pod CIDRs', async () => {
    const out = (await kubectlOk(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.spec.podCIDR}{" "}{end}']))
      .trim()
      .split(' ')
      .filter(Boolean);
    return out.length === 3 ? out : undefined;
  });
  assert.equal(new Set(cidrs).size, 3);
  for (const c of cidrs) assert.match(c, /^10\.42\.\d+\.0\/24$/);
  const leases = parseTable(await kubectlOk(['get', 'leases', '-n', 'kube-node-lease']));
  assert.deepEqual(
    leases.records.map((r) => [r.NAME, r.HOLDER]),
    [
      ['hollow-0', 'hollow-0'],
      ['hollow-1', 'hollow-1'],
      ['hollow-2', 'hollow-2'],
    ],
  );
});

test('a pod bound through pods/binding runs; when its node stops heartbeating the node goes NotReady, is tainted unreachable, and the pod is evicted after its tolerationSeconds', async () => {
  const manifest = await writeManifest(
    server,
    'pod.yaml',
    `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  schedulerName: manual
  containers: [{name: app, image: busybox}]
  tolerations:
  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
`,
  );
  await kubectlOk(['apply', '-f', manifest]);
  const binding = await writeManifest(
    server,
    'binding.json',
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'web' },
      target: { kind: 'Node', name: 'hollow-1' },
    }),
  );
  await kubectlOk(['create', '--raw', '/api/v1/namespaces/default/pods/web/binding', '-f', binding]);
  const row = await until(
    'web Running',
    async () => {
      const r = parseTable(await kubectlOk(['get', 'pods', '-o', 'wide'])).records.find((x) => x.NAME === 'web');
      return r?.STATUS === 'Running' ? r : undefined;
    },
    { timeoutMs: 10_000 },
  );
  assert.equal(row.READY, '1/1');
  assert.equal(row.NODE, 'hollow-1');
  const cidr = (await kubectlOk(['get', 'node', 'hollow-1', '-o', 'jsonpath={.spec.podCIDR}'])).trim();
  assert.equal(
    row.IP?.split('.').slice(0, 3).join('.'),
    cidr.split('.').slice(0, 3).join('.'),
    `pod IP ${row.IP} in ${cidr}`,
  );

  const stoppedAt = Date.now();
  await hollow.stopNode('hollow-1');
  await until(
    'hollow-1 NotReady',
    async () => {
      const r = parseTable(await kubectlOk(['get', 'nodes'])).records.find((x) => x.NAME === 'hollow-1');
      return r?.STATUS === 'NotReady' ? r : undefined;
    },
    { timeoutMs: 15_000 },
  );
  const notReadyMs = Date.now() - stoppedAt;
  const node = JSON.parse(await kubectlOk(['get', 'node', 'hollow-1', '-o', 'json'])) as {
    spec: { taints?: { key: string; effect: string }[] };
    status: { conditions: { type: string; status: string; reason: string; message: string }[] };
  };
  const ready = node.status.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual(
    [ready?.status, ready?.reason, ready?.message],
    ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
  );
  await until(
    'unreachable taints',
    async () => {
      const n = JSON.parse(await kubectlOk(['get', 'node', 'hollow-1', '-o', 'json'])) as typeof node;
      const t = (n.spec.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort();
      return t.join(',') === 'node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule'
        ? t
        : undefined;
    },
    { timeoutMs: 5000 },
  );
  // Evicted: deleted (Terminating: the dead kubelet never confirms) about 2 s after the taint.
  await until(
    'web evicted',
    async () => {
      const r = await server.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.deletionTimestamp}']);
      return r.code !== 0 || r.stdout.trim() !== '' ? true : undefined;
    },
    { timeoutMs: 10_000 },
  );
  const evictedMs = Date.now() - stoppedAt;
  assert.ok(evictedMs < 15_000, `evicted ${evictedMs} ms after the node died`);
  process.stdout.write(`node NotReady after ${notReadyMs} ms, pod evicted after ${evictedMs} ms\n`);
  // Other nodes are untouched.
  const others = parseTable(await kubectlOk(['get', 'nodes']))
    .records.filter((x) => x.NAME !== 'hollow-1')
    .map((x) => x.STATUS);
  assert.deepEqual(others, ['Ready', 'Ready']);
});

test("the dead node's pod was marked not ready; once the node is deleted, the pod GC removes its pods", async () => {
  const pod = JSON.parse(await kubectlOk(['get', 'pod', 'web', '-o', 'json'])) as {
    metadata: { deletionTimestamp?: string };
    status: { conditions: { type: string; status: string }[] };
  };
  assert.ok(pod.metadata.deletionTimestamp, 'still Terminating: its kubelet is gone');
  assert.equal(
    pod.status.conditions.find((c) => c.type === 'Ready')?.status,
    'False',
    'MarkPodsNotReady when the node went Unknown',
  );
  await kubectlOk(['delete', 'node', 'hollow-1']);
  await until(
    'web removed by the pod GC',
    async () => ((await server.kubectl(['get', 'pod', 'web'])).code !== 0 ? true : undefined),
    { timeoutMs: 15_000 },
  );
});
