/**
 * Cluster DNS over a real `flotilla server` (EndpointSlice controller inside) with two hollow
 * nodes: a StatefulSet-style set of pods behind a headless Service and a Deployment behind a
 * ClusterIP Service, applied with the real kubectl; the DNS server (in this process, informers
 * through the HTTPS client) answers their names and follows readiness changes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { HollowNodes } from '../src/agent/hollow/index.js';
import { startDns, type RunningDns } from '../src/dns/index.js';
import { answerData, dnsQuery } from '../src/dns/testing/dns-query.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { hollowNodeClient } from './helpers/hollow-cluster.js';
import { writeManifest } from './helpers/e2e.js';
import { until } from './helpers/wait-until.js';
import { PODS } from '../src/machinery/resources/well-known.js';

let server: TestServer;
let admin: KubeClient;
let nodeClient: KubeClient;
let hollow: HollowNodes;
let dns: RunningDns;

const MANIFEST = `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec: {hostname: db-0, subdomain: db, containers: [{name: pg, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, labels: {app: db}}
spec: {hostname: db-1, subdomain: db, containers: [{name: pg, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: docs}
spec: {type: ExternalName, externalName: docs.example.com}
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
    namePrefix: 'dns-node-',
    leaseRenewIntervalMs: 500,
    statusSyncIntervalMs: 1000,
  });
  await hollow.registerAll();
  hollow.start();
  dns = await startDns({
    client: admin,
    listen: { host: '127.0.0.1', port: 0 },
    upstreams: [],
    log: pino({ level: 'warn' }),
  });
});

after(async () => {
  await dns?.stop();
  await hollow?.stop();
  await nodeClient?.close();
  await admin?.close();
  await server?.stop();
});

const aRecords = async (name: string) =>
  ((await dnsQuery(dns.port, name, 'A')).answers ?? []).map((a) => String(answerData(a))).sort();

test('headless, StatefulSet-style, ClusterIP and ExternalName names resolve from the live cluster; an unready pod leaves the headless answer', async () => {
  const r = await server.kubectl(['apply', '-f', await writeManifest(server, 'dns.yaml', MANIFEST)]);
  assert.equal(r.code, 0, r.stderr);
  const ip = async (name: string) =>
    ((await admin.get(PODS, 'default', name)).status as { podIP?: string } | undefined)?.podIP;
  const [ip0, ip1] = await until(
    'both db pods have IPs',
    async () => {
      const ips = [await ip('db-0'), await ip('db-1')];
      return ips.every(Boolean) ? (ips as string[]) : undefined;
    },
    { timeoutMs: 30_000 },
  );

  await until(
    'headless A lists both pods',
    async () =>
      (await aRecords('db.default.svc.cluster.local')).join() === [ip0, ip1].sort().join() ? true : undefined,
    { timeoutMs: 20_000 },
  );
  assert.deepEqual(await aRecords('db-1.db.default.svc.cluster.local'), [ip1]);
  const srv = await dnsQuery(dns.port, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
  assert.deepEqual((srv.answers ?? []).map((a) => (a.type === 'SRV' ? a.data.target : '')).sort(), [
    'db-0.db.default.svc.cluster.local',
    'db-1.db.default.svc.cluster.local',
  ]);

  const clusterIP = (await server.kubectl(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
  assert.match(clusterIP, /^10\.43\./);
  assert.deepEqual(await aRecords('web.default.svc.cluster.local'), [clusterIP]);
  const ptr = await dnsQuery(dns.port, `${clusterIP.split('.').reverse().join('.')}.in-addr.arpa`, 'PTR');
  assert.deepEqual(ptr.answers?.map(answerData), ['web.default.svc.cluster.local']);
  const cname = await dnsQuery(dns.port, 'docs.default.svc.cluster.local', 'A');
  assert.deepEqual(
    cname.answers?.map((a) => [a.type, answerData(a)]),
    [['CNAME', 'docs.example.com']],
  );

  // db-0 fails its readiness probe: it leaves the headless answer.
  const live = await admin.get(PODS, 'default', 'db-0');
  const status = live.status as { conditions: { type: string; status: string }[] };
  await admin.updateStatus(PODS, 'default', {
    ...live,
    status: {
      ...status,
      conditions: status.conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c)),
    },
  });
  await until(
    'db-0 leaves the headless answer',
    async () => ((await aRecords('db.default.svc.cluster.local')).join() === ip1 ? true : undefined),
    { timeoutMs: 20_000 },
  );
  assert.equal((await dnsQuery(dns.port, 'db-0.db.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');

  await server.kubectl(['delete', 'svc', 'web']);
  await until(
    'a deleted Service is NXDOMAIN',
    async () =>
      (await dnsQuery(dns.port, 'web.default.svc.cluster.local', 'A')).rcode === 'NXDOMAIN' ? true : undefined,
    { timeoutMs: 20_000 },
  );
});
