/**
 * Pod lifecycle with real containers on an in-process agent (own bridge and pod CIDR): init
 * containers in order (kubectl's Init:N/M, Init:Error, Init:CrashLoopBackOff), postStart and preStop
 * hooks, a killed container restarted with lastState, an OOM kill reported as OOMKilled, and the
 * kubelet events `kubectl get events` / `kubectl describe` show. Runs as root.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Event } from 'kubernetes-types/core/v1.js';
import type { RunningAgent } from '../src/agent/agent.js';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import type { KubeObject } from '../src/api/object.js';
import type { KubeClient } from '../src/machinery/client/index.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { EVENTS, PODS } from '../src/machinery/resources/well-known.js';
import { until } from './helpers/wait-until.js';

let node: RealNode;
let NODE = '';
let server: TestServer;
let client: KubeClient;
let agent: RunningAgent | undefined;
/** A host HTTP server on 127.0.0.1 that httpGet hooks call (the agent runs them from the host). */
let hookServer: Server;
let hookPort = 0;
const hookHits: { path: string; mainRunning: boolean }[] = [];
const uids = new Map<string, string>();

before(async () => {
  node = await startRealNode({ name: 'lifecycle', agent: { proxy: false } });
  ({ server, admin: client, agent, nodeName: NODE } = node);
  hookServer = createServer((req, res) => {
    const pod = /^\/hook\/([^/]+)/.exec(req.url ?? '')?.[1] ?? '';
    const main = agent?.runtime.listContainers(uids.get(pod)).find((c) => c.name === 'main');
    hookHits.push({ path: req.url ?? '', mainRunning: main?.status === 'running' });
    res.end('ok');
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookPort = (hookServer.address() as AddressInfo).port;
});

after(async () => {
  await node?.stop();
  await new Promise<void>((r) => (hookServer ? hookServer.close(() => r()) : r()));
});

/** Creates the pod (no scheduler: bound by hand) and binds it to the agent's node. */
async function run(name: string, spec: Record<string, unknown>): Promise<void> {
  const created = await client.create<PodObject>(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { schedulerName: 'manual-test', terminationGracePeriodSeconds: 2, ...spec } as PodObject['spec'],
  });
  uids.set(name, created.metadata.uid ?? '');
  await node.bind(name);
}

/** Resolves with the pod once `ok` holds (watching), or rejects after timeoutMs. */
function waitForPod(name: string, ok: (p: PodObject) => boolean, timeoutMs = 40_000): Promise<PodObject> {
  return node.waitForPod(name, ok, timeoutMs);
}

/** kubectl's STATUS column for the pod. */
async function kubectlStatus(name: string): Promise<string> {
  const r = await server.kubectl(['get', 'pod', name, '--no-headers']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split(/\s+/)[2] ?? '';
}

async function events(name: string): Promise<Event[]> {
  const list = await client.list<Event & KubeObject>(EVENTS, 'default', {
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items;
}

/** Polls the pod's events until `ok` holds for them. */
async function waitForEvents(name: string, ok: (evs: Event[]) => boolean, timeoutMs = 15_000): Promise<Event[]> {
  let last: Event[] = [];
  return until(
    `the expected events of ${name}`,
    async () => {
      last = await events(name);
      return ok(last) && last;
    },
    { timeoutMs, intervalMs: 200, describe: () => last.map((e) => `${e.reason}: ${e.message}`).join('\n') },
  );
}

async function remove(...names: string[]): Promise<void> {
  for (const name of names) {
    const r = await server.kubectl(['delete', 'pod', name, '--timeout=60s']);
    assert.equal(r.code, 0, r.stderr);
  }
}

const sh = (script: string): string[] => ['sh', '-c', script];
const ms = (t: string | undefined): number => Date.parse(t ?? '');

test('init containers run in order, each to completion, before the app container (Init:0/2, Initialized)', async () => {
  const statuses: PodObject[] = [];
  // every status the watch sees is kept
  const running = waitForPod('init-order', (p) => {
    statuses.push(p);
    return p.status?.phase === 'Running';
  });
  await run('init-order', {
    initContainers: [
      { name: 'first', image: 'busybox', command: sh('sleep 2; echo first') },
      { name: 'second', image: 'busybox', command: sh('echo second') },
    ],
    containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
  });
  await waitForPod('init-order', (p) => p.status?.initContainerStatuses?.[0]?.state?.running !== undefined);
  assert.equal(await kubectlStatus('init-order'), 'Init:0/2');
  const pod = await running;
  const [first, second] = pod.status?.initContainerStatuses ?? [];
  const main = pod.status?.containerStatuses?.[0];
  assert.equal(first?.state?.terminated?.exitCode, 0);
  assert.equal(first?.state?.terminated?.reason, 'Completed');
  assert.equal(second?.state?.terminated?.exitCode, 0);
  assert.equal(first?.ready, true);
  assert.ok(
    ms(first?.state?.terminated?.finishedAt) <= ms(second?.state?.terminated?.startedAt),
    'second started after first finished',
  );
  assert.ok(
    ms(second?.state?.terminated?.finishedAt) <= ms(main?.state?.running?.startedAt),
    'main started after the init containers',
  );
  assert.ok(ms(first?.state?.terminated?.finishedAt) - ms(first?.state?.terminated?.startedAt) >= 1500);
  assert.equal(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  // While initializing: Pending, Initialized False naming the pending ones, main waiting PodInitializing.
  const early = statuses.find((p) => p.status?.initContainerStatuses?.[0]?.state?.running);
  assert.ok(early, 'a status with the first init container running was seen');
  assert.equal(early.status?.phase, 'Pending');
  const initialized = early.status?.conditions?.find((c) => c.type === 'Initialized');
  assert.equal(initialized?.status, 'False');
  assert.equal(initialized?.reason, 'ContainersNotInitialized');
  assert.equal(initialized?.message, 'containers with incomplete status: [first second]');
  assert.equal(early.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  assert.equal(early.status?.initContainerStatuses?.[1]?.state?.waiting?.reason, 'PodInitializing');
  assert.equal(await kubectlStatus('init-order'), 'Running');
  // kubectl describe shows the init containers and the kubelet's events.
  const evs = await waitForEvents('init-order', (e) => e.filter((x) => x.reason === 'Started').length >= 3);
  const started = evs.filter((e) => e.reason === 'Started').map((e) => e.involvedObject.fieldPath);
  assert.deepEqual(started.sort(), [
    'spec.containers{main}',
    'spec.initContainers{first}',
    'spec.initContainers{second}',
  ]);
  const describe = await server.kubectl(['describe', 'pod', 'init-order']);
  assert.equal(describe.code, 0, describe.stderr);
  assert.match(describe.stdout, /Init Containers:\s+first:/);
  assert.match(describe.stdout, /Normal\s+Started\s+\S+\s+kubelet\s+Started container main/);
  assert.match(
    describe.stdout,
    /Normal\s+Pulled\s+\S+\s+kubelet\s+Container image "busybox" already present on machine/,
  );
  await remove('init-order');
});

test('an init container failing under restartPolicy Never fails the pod (Init:Error); under Always it crash-loops (Init:CrashLoopBackOff)', async () => {
  const failed = waitForPod('init-never', (p) => p.status?.phase === 'Failed');
  const looping = waitForPod(
    'init-loop',
    (p) => p.status?.initContainerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
  );
  await run('init-never', {
    restartPolicy: 'Never',
    initContainers: [
      { name: 'setup', image: 'busybox', command: sh('exit 2') },
      { name: 'never', image: 'busybox', command: ['true'] },
    ],
    containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
  });
  await run('init-loop', {
    initContainers: [{ name: 'setup', image: 'busybox', command: sh('exit 1') }],
    containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
  });
  const pod = await failed;
  const [setup, never] = pod.status?.initContainerStatuses ?? [];
  assert.equal(setup?.state?.terminated?.exitCode, 2);
  assert.equal(setup?.restartCount, 0);
  assert.equal(never?.state?.waiting?.reason, 'PodInitializing', 'the next init container never ran');
  assert.equal(
    pod.status?.containerStatuses?.[0]?.state?.waiting?.reason,
    'PodInitializing',
    'the app container never ran',
  );
  assert.equal(await kubectlStatus('init-never'), 'Init:Error');
  assert.equal(
    agent?.runtime.listContainers(pod.metadata.uid).some((c) => c.name === 'main'),
    false,
  );

  const loop = await looping;
  assert.ok((loop.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1);
  assert.equal(loop.status?.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
  assert.equal(loop.status?.phase, 'Pending');
  assert.equal(await kubectlStatus('init-loop'), 'Init:CrashLoopBackOff');
  const evs = await waitForEvents('init-loop', (e) => e.some((x) => x.reason === 'BackOff'));
  const backoff = evs.find((e) => e.reason === 'BackOff');
  assert.equal(backoff?.type, 'Warning');
  assert.equal(
    backoff?.message,
    `Back-off restarting failed container setup in pod init-loop_default(${loop.metadata.uid})`,
  );
  assert.deepEqual(backoff?.source, { component: 'kubelet', host: NODE });
  await remove('init-never', 'init-loop');
});

test("postStart: the hook's file is seen by the app; a failing postStart kills the container (FailedPostStartHook)", async () => {
  const ready = waitForPod('hooked', (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
  const restarted = waitForPod('bad-hook', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
  await run('hooked', {
    containers: [
      {
        name: 'main',
        image: 'busybox',
        command: sh('until [ -f /tmp/poststart ]; do sleep 0.1; done; cp /tmp/poststart /tmp/seen; exec sleep 3600'),
        lifecycle: { postStart: { exec: { command: sh('echo from-hook > /tmp/poststart') } } },
        readinessProbe: { exec: { command: sh('grep -q from-hook /tmp/seen') }, periodSeconds: 1 },
      },
    ],
  });
  await run('bad-hook', {
    containers: [
      {
        name: 'main',
        image: 'busybox',
        command: ['sleep', '3600'],
        lifecycle: { postStart: { exec: { command: sh('exit 7') } } },
      },
    ],
  });
  await ready;
  const bad = await restarted;
  assert.equal(
    bad.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode,
    137,
    JSON.stringify(bad.status?.containerStatuses),
  );
  const evs = await waitForEvents('bad-hook', (e) => e.some((x) => x.reason === 'FailedPostStartHook'));
  assert.match(
    evs.find((e) => e.reason === 'FailedPostStartHook')?.message ?? '',
    /^Exec lifecycle hook \(\[sh -c exit 7\]\) for Container "main" in Pod "bad-hook_default\(.*\)" failed - error: command 'sh -c exit 7' exited with 7/,
  );
  await remove('hooked', 'bad-hook');
});

test('preStop runs on deletion before the container is stopped (httpGet and exec), then SIGTERM', async () => {
  const running = waitForPod('stopper', (p) => p.status?.phase === 'Running');
  await run('stopper', {
    terminationGracePeriodSeconds: 10,
    containers: [
      // sh as pid 1 exits on SIGTERM only through its trap: a quick exit shows SIGTERM came after the hooks.
      {
        name: 'main',
        image: 'busybox',
        command: sh("trap 'exit 0' TERM; while true; do sleep 0.1; done"),
        lifecycle: { preStop: { httpGet: { host: '127.0.0.1', port: hookPort, path: '/hook/stopper' } } },
      },
      {
        name: 'slow',
        image: 'busybox',
        command: sh("trap 'exit 0' TERM; while true; do sleep 0.1; done"),
        lifecycle: { preStop: { exec: { command: ['sleep', '2'] } } },
      },
    ],
  });
  await running;
  const t0 = Date.now();
  await remove('stopper');
  const took = Date.now() - t0;
  assert.deepEqual(
    hookHits.filter((h) => h.path === '/hook/stopper'),
    [{ path: '/hook/stopper', mainRunning: true }],
  );
  assert.ok(took >= 2000, `deletion waited for the 2 s exec preStop (${took} ms)`);
  assert.ok(took < 9000, `SIGTERM ended the containers well before the 10 s grace (${took} ms)`);
  const evs = await events('stopper');
  assert.ok(
    evs.some((e) => e.reason === 'Killing' && e.message === 'Stopping container main'),
    evs.map((e) => e.message).join('\n'),
  );
});

test('a container whose process is killed is restarted: restartCount 1, lastState terminated 137', async () => {
  const running = waitForPod('victim', (p) => p.status?.phase === 'Running');
  await run('victim', { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] });
  const pod = await running;
  const state = agent?.runtime.listContainers(pod.metadata.uid).find((c) => c.name === 'main');
  assert.ok(state?.pid, 'container pid known');
  const restarted = waitForPod(
    'victim',
    (p) =>
      p.status?.containerStatuses?.[0]?.restartCount === 1 &&
      p.status.containerStatuses[0].state?.running !== undefined,
  );
  process.kill(state.pid, 'SIGKILL');
  const after = await restarted;
  const st = after.status?.containerStatuses?.[0];
  assert.equal(st?.lastState?.terminated?.exitCode, 137);
  assert.equal(st?.lastState?.terminated?.reason, 'Error');
  assert.notEqual(st?.containerID, pod.status?.containerStatuses?.[0]?.containerID);
  assert.equal(after.status?.phase, 'Running');
  const r = await server.kubectl(['get', 'pod', 'victim', '--no-headers']);
  assert.match(r.stdout, /victim\s+1\/1\s+Running\s+1 \(\S+ ago\)/);
  await remove('victim');
});

test('a container over its 16Mi memory limit is OOM-killed and reported OOMKilled', async () => {
  const done = waitForPod('hog', (p) => p.status?.containerStatuses?.[0]?.state?.terminated !== undefined);
  await run('hog', {
    restartPolicy: 'Never',
    // tail keeps its whole input (no newlines) in memory: 100 MiB against a 16 MiB limit.
    containers: [
      {
        name: 'main',
        image: 'busybox',
        command: sh('head -c 100m /dev/zero | tail > /dev/null'),
        resources: { limits: { memory: '16Mi' } },
      },
    ],
  });
  const pod = await done;
  const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
  assert.equal(term?.reason, 'OOMKilled', JSON.stringify(term));
  assert.equal(pod.status?.phase, 'Failed');
  const r = await server.kubectl(['get', 'pod', 'hog', '--no-headers']);
  assert.match(r.stdout, /hog\s+0\/1\s+OOMKilled\s+0/);
  await remove('hog');
});

test('kubectl get events lists the kubelet events of a pod', async () => {
  const r = await server.kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=victim',
    '-o',
    'custom-columns=REASON:.reason,FROM:.source.component,HOST:.source.host,MSG:.message',
    '--no-headers',
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const reason of ['Pulled', 'Created', 'Started', 'Killing'])
    assert.match(r.stdout, new RegExp(`^${reason}\\s+kubelet\\s+${NODE}\\s`, 'm'), r.stdout);
  assert.match(r.stdout, /Created\s+kubelet\s+\S+\s+Created container main/);
});

test('a sidecar (init container with restartPolicy Always) runs beside the app and is stopped when the app completes', async () => {
  const running = waitForPod(
    'sidecar',
    (p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running !== undefined,
  );
  const done = waitForPod('sidecar', (p) => p.status?.phase === 'Succeeded');
  await run('sidecar', {
    restartPolicy: 'Never',
    initContainers: [
      {
        name: 'helper',
        image: 'busybox',
        restartPolicy: 'Always',
        command: sh("trap 'exit 0' TERM; while true; do sleep 0.1; done"),
      },
      { name: 'setup', image: 'busybox', command: ['true'] },
    ],
    containers: [{ name: 'main', image: 'busybox', command: sh('sleep 3') }],
  });
  const pod = await running;
  const [helper, setup] = pod.status?.initContainerStatuses ?? [];
  assert.ok(helper?.state?.running, JSON.stringify(helper));
  assert.equal(helper?.started, true);
  assert.equal(helper?.ready, true);
  assert.equal(setup?.state?.terminated?.exitCode, 0);
  assert.ok(
    ms(helper?.state?.running?.startedAt) <= ms(setup?.state?.terminated?.startedAt),
    'setup started after the sidecar',
  );
  const r = await server.kubectl(['get', 'pod', 'sidecar', '--no-headers']);
  assert.match(r.stdout, /sidecar\s+2\/2\s+Running/);
  const finished = await done;
  assert.equal(
    finished.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode,
    0,
    'the sidecar was stopped with SIGTERM',
  );
  assert.equal(finished.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  await remove('sidecar');
});
