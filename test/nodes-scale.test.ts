/**
 * Scale smoke: 1,000 hollow nodes in this one process register against a real server and keep
 * their Leases; prints registration time and this process's memory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { HollowNodes } from '../src/agent/hollow/index.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { hollowNodeClient } from './helpers/hollow-cluster.js';
import { until } from './helpers/wait-until.js';

const COUNT = 1000;
let server: TestServer;
let client: KubeClient;
let hollow: HollowNodes | undefined;

before(async () => {
  server = await startTestServer({ env: { FLOTILLA_CLUSTER_CIDR: '10.40.0.0/14' } });
  client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
});

after(async () => {
  await hollow?.stop();
  await client?.close();
  await server?.stop();
});

test(`${COUNT} hollow nodes register from one process and renew their Leases`, async () => {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  hollow = new HollowNodes({
    client,
    clientFor: (name) => hollowNodeClient(client, name),
    log: pino({ level: 'warn' }),
    count: COUNT,
    namePrefix: 'scale-',
    leaseRenewIntervalMs: 10_000,
    statusSyncIntervalMs: 60_000,
  });
  await hollow.registerAll(64);
  const registerMs = Math.round(performance.now() - t0);
  hollow.start();
  const nodes = await client.list(findNodes(), undefined, { limit: 5000 });
  assert.equal(nodes.items.length, COUNT);
  // Every node's first Lease write lands within one renewal period (they are spread over it).
  let leases = 0;
  await until(
    `${COUNT} node Leases`,
    async () => {
      leases = (await client.list(findLeases(), 'kube-node-lease', { limit: 5000 })).items.length;
      return leases === COUNT;
    },
    { timeoutMs: 20_000, intervalMs: 500, describe: () => `${leases} Leases` },
  );
  const leasesMs = Math.round(performance.now() - t0);
  const mem = process.memoryUsage();
  const figures = {
    nodes: COUNT,
    registerMs,
    allLeasesMs: leasesMs,
    rssMB: Math.round(mem.rss / 1048576),
    heapUsedDeltaMB: Math.round((mem.heapUsed - heapBefore) / 1048576),
  };
  process.stdout.write(`hollow-nodes scale ${JSON.stringify(figures)}\n`);
});

function findNodes() {
  return { group: '', version: 'v1', plural: 'nodes', namespaced: false };
}
function findLeases() {
  return { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true };
}
