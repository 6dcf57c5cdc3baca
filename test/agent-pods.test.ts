/**
 * End to end with real containers: a pod applied with the real kubectl and bound to an in-process
 * agent runs as a runc container with a CNI address the host can reach; kubectl delete removes its
 * container, namespaces and mounts; a container exiting 3 under restartPolicy Never fails the pod.
 * Runs as root. Prints the bind -> Running time.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { startAgent, type RunningAgent } from '../src/agent/agent.js';
import { PODS, type PodObject } from '../src/agent/pods/pod-workers.js';
import { mountPoints } from '../src/agent/runtime/oci/mounts.js';
import { createClient, type KubeClient } from '../src/client/index.js';
import { busyboxArchive, removeBusyboxArchive } from './fixtures/images/busybox.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';

const log = pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' });
const suffix = Math.floor(Math.random() * 0xffff).toString(16);
const NODE = `agent-test-${suffix}`;
let server: TestServer;
let client: KubeClient;
let agent: RunningAgent | undefined;
let dataDir = '';

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-agent-'));
  server = await startTestServer();
  client = createClient({ server: server.url, token: server.joinToken, caPem: server.caPem });
  agent = await startAgent({
    client, dataDir, nodeName: NODE, nodeIP: '127.0.0.1', log, bridge: `flt${suffix}`,
    podCIDR: `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`, blackholeRoutes: [],
  });
  const [img] = await agent.images.importArchive(await busyboxArchive());
  if (img) await agent.images.layerDirs(img); // image present and unpacked, as the start-time goal assumes
});

after(async () => {
  await agent?.stop();
  await agent?.runtime.destroyAll();
  await agent?.network.removeBridge();
  await client?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await removeBusyboxArchive();
});

function manifest(name: string, restartPolicy: string, script: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: {
      schedulerName: 'manual-test', restartPolicy, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
    },
  });
}

/** POST pods/<name>/binding, as a scheduler does (the client's create has no name in its path: the plural carries it). */
async function bind(name: string): Promise<void> {
  await client.create({ ...PODS, plural: `pods/${name}` }, 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: NODE } }, { subresource: 'binding' });
}

/** Resolves with the pod once `ok` holds for it (watching), or rejects after timeoutMs. */
function waitForPod(name: string, ok: (p: PodObject) => boolean, timeoutMs = 20_000): Promise<PodObject> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { handle.stop(); reject(new Error(`pod ${name}: condition not met in ${timeoutMs} ms`)); }, timeoutMs);
    const handle = client.watch<PodObject>(PODS, 'default', { fieldSelector: `metadata.name=${name}`, resourceVersion: '0' }, (ev) => {
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ok(ev.object)) {
        clearTimeout(timer);
        handle.stop();
        resolve(ev.object);
      }
    });
    handle.done.catch(reject);
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout'))).end();
  });
}

test('the node is registered', async () => {
  const r = await server.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.addresses[0].address}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '127.0.0.1');
});

test('kubectl apply + bind: httpd runs in a real container, reachable at its pod IP; kubectl delete cleans up', async () => {
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: manifest('web', 'Always', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www') });
  assert.equal(applied.code, 0, applied.stderr);
  const running = waitForPod('web', (p) => p.status?.phase === 'Running' && !!p.status.podIP);
  const t0 = performance.now();
  await bind('web');
  const pod = await running;
  const startMs = performance.now() - t0;
  process.stdout.write(`# pod start (bind -> Running seen by a watch): ${startMs.toFixed(0)} ms\n`);
  const st = (pod as Pod).status;
  assert.equal(st?.hostIP, '127.0.0.1');
  assert.equal(st?.containerStatuses?.[0]?.ready, true);
  assert.ok(st?.containerStatuses?.[0]?.state?.running?.startedAt);
  assert.equal(st?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

  let res: { status: number; body: string } | undefined;
  for (let i = 0; i < 100 && !res; i++) {
    res = await get(`http://${st?.podIP}:8080/`).catch(() => undefined);
    if (!res) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(res?.status, 200);
  assert.equal(res?.body, 'hello from web\n');

  const wide = await server.kubectl(['get', 'pod', 'web', '-o', 'wide', '--no-headers']);
  assert.match(wide.stdout, /web\s+1\/1\s+Running\s+0\s+\S+\s+10\.42\.\d+\.\d+\s+agent-test-/);

  const uid = pod.metadata.uid ?? '';
  const deleted = await server.kubectl(['delete', 'pod', 'web', '--timeout=30s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await server.kubectl(['get', 'pod', 'web'])).code, 1);
  assert.equal(agent?.runtime.listContainers(uid).length, 0);
  await assert.rejects(access(join(dataDir, 'ns', `${uid}-net`)), 'network namespace released');
  assert.deepEqual((await mountPoints()).filter((m) => m.startsWith(`${dataDir}/`) && m !== join(dataDir, 'ns')), []);
  await assert.rejects(get(`http://${st?.podIP}:8080/`));
});

test('a container exiting 3 under restartPolicy Never fails the pod with exit code 3', async () => {
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: manifest('fail', 'Never', 'echo bye; exit 3') });
  assert.equal(applied.code, 0, applied.stderr);
  const failed = waitForPod('fail', (p) => p.status?.phase === 'Failed');
  await bind('fail');
  const pod = await failed;
  const term = (pod as Pod).status?.containerStatuses?.[0]?.state?.terminated;
  assert.equal(term?.exitCode, 3);
  assert.equal(term?.reason, 'Error');
  assert.equal((pod as Pod).status?.containerStatuses?.[0]?.restartCount, 0);
  const deleted = await server.kubectl(['delete', 'pod', 'fail', '--timeout=30s']);
  assert.equal(deleted.code, 0, deleted.stderr);
});

test('a readiness httpGet probe holds Ready false until httpd answers; a failing liveness exec probe restarts the container', async () => {
  const pod = (name: string, container: Record<string, unknown>): string => JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { schedulerName: 'manual-test', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', ...container }] },
  });
  const ready = pod('probed', {
    command: ['sh', '-c', 'sleep 2; mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
    readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
  });
  const live = pod('unhealthy', { command: ['sleep', '3600'], livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 } });
  for (const m of [ready, live]) {
    const r = await server.kubectl(['apply', '-f', '-'], { stdin: m });
    assert.equal(r.code, 0, r.stderr);
  }
  const readyCond = (p: PodObject): string | undefined => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const runningUnready = waitForPod('probed', (p) => p.status?.phase === 'Running' && readyCond(p) === 'False');
  const becameReady = waitForPod('probed', (p) => readyCond(p) === 'True');
  const restarted = waitForPod('unhealthy', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000);
  await bind('probed');
  await bind('unhealthy');
  const first = await runningUnready;
  assert.equal((first as Pod).status?.containerStatuses?.[0]?.ready, false);
  const t0 = performance.now();
  const ok = await becameReady;
  assert.ok(performance.now() - t0 > 500, 'not Ready before httpd listens');
  assert.equal((ok as Pod).status?.containerStatuses?.[0]?.ready, true);
  const r = await restarted;
  assert.equal((r as Pod).status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
  for (const name of ['probed', 'unhealthy']) {
    const deleted = await server.kubectl(['delete', 'pod', name, '--timeout=30s']);
    assert.equal(deleted.code, 0, deleted.stderr);
  }
});
