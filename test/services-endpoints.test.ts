/**
 * Service endpoints against a real `flotilla server` (controllers and scheduler inside) with two
 * hollow nodes reporting bound pods Running and Ready with pod IPs, driven by the real kubectl:
 * a Deployment behind a Service shows up in its EndpointSlice and legacy Endpoints; a pod turning
 * unready moves to not-ready; scaling down removes the endpoint.
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
import { PODS } from '../src/machinery/resources/well-known.js';

let server: TestServer;
let admin: KubeClient;
let nodeClient: KubeClient;
let hollow: HollowNodes;

async function kubectlOk(args: string[]): Promise<string> {
  const r = await server.kubectl(args, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: httpd
        image: busybox
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {tier: front}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`;

before(async () => {
  server = await startTestServer({ datastore: 'memory' });
  admin = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  nodeClient = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  hollow = new HollowNodes({
    client: nodeClient,
    clientFor: (name) => hollowNodeClient(nodeClient, name),
    log: pino({ level: 'warn' }),
    count: 2,
    namePrefix: 'svc-node-',
    leaseRenewIntervalMs: 500,
    statusSyncIntervalMs: 1000,
  });
  await hollow.registerAll();
  hollow.start();
});

after(async () => {
  await hollow?.stop();
  await nodeClient?.close();
  await admin?.close();
  await server?.stop();
});

const podIps = async (): Promise<Map<string, string>> => {
  const pods = (await admin.list(PODS, 'default', { labelSelector: 'app=web' })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  return new Map(pods.map((p) => [p.metadata.name ?? '', (p.status as { podIP?: string } | undefined)?.podIP ?? '']));
};
const sliceAddrs = async (extra: string) =>
  (
    await kubectlOk([
      'get',
      'endpointslices',
      '-l',
      'kubernetes.io/service-name=web',
      '-o',
      `jsonpath={range .items[*].endpoints[*]}{.addresses[0]}${extra}{"\\n"}{end}`,
    ])
  )
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();

test('a Deployment behind a Service: kubectl lists its pod IPs in the EndpointSlice and Endpoints; an unready pod moves to not-ready', async () => {
  await kubectlOk(['apply', '-f', await writeManifest(server, 'web.yaml', MANIFEST)]);
  const ips = await until(
    '3 running pods with IPs',
    async () => {
      const m = await podIps();
      return m.size === 3 && [...m.values()].every(Boolean) ? m : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const expected = [...ips.values()].sort();

  const slices = await until(
    'slice lists the 3 pod IPs',
    async () => {
      const got = await sliceAddrs('');
      return got.join() === expected.join() ? got : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.deepEqual(slices, expected);
  const table = parseTable(await kubectlOk(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']));
  assert.deepEqual(table.header, ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
  assert.equal(table.records.length, 1);
  assert.match(table.records[0].NAME, /^web-[a-z0-9]+$/);
  assert.equal(table.records[0].ADDRESSTYPE, 'IPv4');
  assert.equal(table.records[0].PORTS, '8080');
  const labels = JSON.parse(
    await kubectlOk([
      'get',
      'endpointslices',
      '-l',
      'kubernetes.io/service-name=web',
      '-o',
      'jsonpath={.items[0].metadata.labels}',
    ]),
  ) as Record<string, string>;
  assert.deepEqual(labels, {
    tier: 'front',
    'kubernetes.io/service-name': 'web',
    'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
  });
  const owner = await kubectlOk([
    'get',
    'endpointslices',
    '-l',
    'kubernetes.io/service-name=web',
    '-o',
    'jsonpath={.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].name}',
  ]);
  assert.equal(owner, 'Service/web');

  const epCell = await until(
    'kubectl get endpoints web shows ip:port for all 3',
    async () => {
      const t = parseTable(await kubectlOk(['get', 'endpoints', 'web']));
      const cell = t.records[0]?.ENDPOINTS ?? '';
      return cell.split(',').length === 3 && !cell.includes('more') ? cell : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.deepEqual(epCell.split(',').sort(), expected.map((ip) => `${ip}:8080`).sort());

  // Turn one pod unready, as a failing readiness probe would.
  const [victim, victimIp] = [...ips.entries()][0];
  const live = await admin.get(PODS, 'default', victim);
  const status = live.status as { conditions: { type: string; status: string }[] };
  const conditions = status.conditions.map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c,
  );
  await admin.updateStatus(PODS, 'default', { ...live, status: { ...status, conditions } });

  const readiness = await until(
    'the slice marks the pod not ready',
    async () => {
      const got = await sliceAddrs('={.conditions.ready}');
      return got.includes(`${victimIp}=false`) ? got : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.deepEqual(readiness, expected.map((ip) => `${ip}=${ip === victimIp ? 'false' : 'true'}`).sort());
  const notReady = await until(
    'Endpoints lists it under notReadyAddresses',
    async () => {
      const out = (
        await kubectlOk(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].notReadyAddresses[*].ip}'])
      ).trim();
      return out === victimIp ? out : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(notReady, victimIp);
  const ready = (await kubectlOk(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].addresses[*].ip}']))
    .trim()
    .split(' ')
    .sort();
  assert.deepEqual(
    ready,
    expected.filter((ip) => ip !== victimIp),
  );

  await kubectlOk(['scale', 'deployment', 'web', '--replicas=1']);
  const remaining = await until(
    'the slice shrinks to the one remaining pod',
    async () => {
      const m = await podIps();
      const got = await sliceAddrs('');
      return m.size === 1 && got.length === 1 && got[0] === [...m.values()][0] ? got : undefined;
    },
    { timeoutMs: 30_000 },
  );
  assert.equal(remaining.length, 1);
});
