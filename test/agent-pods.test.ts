/**
 * End to end with real containers: a pod applied with the real kubectl and bound to an in-process
 * agent runs as a runc container with a CNI address the host can reach; kubectl delete removes its
 * container, namespaces and mounts; a container exiting 3 under restartPolicy Never fails the pod.
 * Runs as root. Prints the bind -> Running time.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { RunningAgent } from '../src/agent/agent.js';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import { mountPoints } from '../src/agent/runtime/oci/mounts.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { httpGet, httpGetWhenUp } from './helpers/http-get.js';

let node: RealNode;
let server: TestServer;
let agent: RunningAgent | undefined;
let NODE = '';
let dataDir = '';

// busybox is imported and unpacked by the helper: image present, as the start-time goal assumes.
before(async () => {
  node = await startRealNode({ name: 'agent-test' });
  ({ server, agent, nodeName: NODE, dataDir } = node);
});

after(async () => {
  await node?.stop();
});

function manifest(name: string, restartPolicy: string, script: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      schedulerName: 'manual-test',
      restartPolicy,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
    },
  });
}

const bind = (name: string): Promise<void> => node.bind(name);
const waitForPod = (name: string, ok: (p: PodObject) => boolean, timeoutMs = 20_000): Promise<PodObject> =>
  node.waitForPod(name, ok, timeoutMs);

const get = (url: string) => httpGet(url);

test('the node is registered', async () => {
  const r = await server.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.addresses[0].address}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '127.0.0.1');
});

test('kubectl apply + bind: httpd runs in a real container, reachable at its pod IP; kubectl delete cleans up', async () => {
  const applied = await server.kubectl(['apply', '-f', '-'], {
    stdin: manifest(
      'web',
      'Always',
      'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www',
    ),
  });
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

  const res = await httpGetWhenUp(`http://${st?.podIP}:8080/`);
  assert.equal(res.status, 200);
  assert.equal(res.body, 'hello from web\n');

  const wide = await server.kubectl(['get', 'pod', 'web', '-o', 'wide', '--no-headers']);
  assert.match(wide.stdout, /web\s+1\/1\s+Running\s+0\s+\S+\s+10\.42\.\d+\.\d+\s+agent-test-/);

  const uid = pod.metadata.uid ?? '';
  const deleted = await server.kubectl(['delete', 'pod', 'web', '--timeout=30s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await server.kubectl(['get', 'pod', 'web'])).code, 1);
  assert.equal(agent?.runtime.listContainers(uid).length, 0);
  await assert.rejects(access(join(dataDir, 'ns', `${uid}-net`)), 'network namespace released');
  assert.deepEqual(
    (await mountPoints()).filter((m) => m.startsWith(`${dataDir}/`) && m !== join(dataDir, 'ns')),
    [],
  );
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
  const pod = (name: string, container: Record<string, unknown>): string =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        schedulerName: 'manual-test',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox', ...container }],
      },
    });
  const ready = pod('probed', {
    command: ['sh', '-c', 'sleep 2; mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
    readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
  });
  const live = pod('unhealthy', {
    command: ['sleep', '3600'],
    livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 },
  });
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
