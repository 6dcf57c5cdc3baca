/**
 * The node agent killed with `kill -9` and restarted on the same data dir while pods run: the new
 * agent re-adopts the running container (same pid, one runc container, same pod IP, still
 * reachable, restartCount kept), restarts per restartPolicy a container that died while no agent
 * ran, and deletes an adopted pod completely. Then `flotilla killall` removes everything the data
 * dir's agent made: containers, conmon, mounts, namespaces, veths, bridge, blackhole routes, cgroups.
 * The agent runs as a child process (startNode in a small script, so the test picks the bridge,
 * pod CIDR and a TEST-NET blackhole route instead of the host's defaults). Runs as root.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { ImageStore } from '../src/agent/images/image-store.js';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import { conmonPids, killAll } from '../src/agent/runtime/oci/kill-all.js';
import { mountPoints } from '../src/agent/runtime/oci/mounts.js';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { busyboxArchive, removeBusyboxArchive } from './fixtures/images/busybox.js';
import { AgentProcess } from './helpers/agent-process.js';
import { flotillaCommand, startTestServer, type TestServer } from './helpers/cluster.js';
import { onePod, PODS } from '../src/machinery/resources/well-known.js';
import { httpGet, httpGetWhenUp } from './helpers/http-get.js';
import { until } from './helpers/wait-until.js';
import { issueClientCertificate } from './helpers/real-node.js';

const log = pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' });
const suffix = Math.floor(Math.random() * 0xffff).toString(16);
const NODE = `restart-test-${suffix}`;
const BRIDGE = `flr${suffix}`;
const POD_CIDR = `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`;
const BLACKHOLE = `198.51.100.${16 * Math.floor(Math.random() * 16)}/28`; // TEST-NET-2: nobody's traffic
let server: TestServer;
let client: KubeClient;
let dataDir = '';
let agent: AgentProcess;

const runcArgs = (...args: string[]): string[] => ['--root', join(dataDir, 'runc'), ...args];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-restart-'));
  server = await startTestServer();
  client = createClient({ server: server.url, token: server.token, caPem: server.caPem });
  const images = new ImageStore(join(dataDir, 'images'), log);
  const [img] = await images.importArchive(await busyboxArchive());
  assert.ok(img);
  await images.layerDirs(img);
  agent = new AgentProcess({
    server: server.url,
    // The node's own identity, as a `flotilla agent` holds after its bootstrap.
    clientCert: await issueClientCertificate(server.dataDir, `CN=system:node:${NODE}, O=system:nodes`),
    caPem: server.caPem,
    dataDir,
    nodeName: NODE,
    bridge: BRIDGE,
    podCIDR: POD_CIDR,
    blackholeRoutes: [BLACKHOLE],
  });
});

after(async () => {
  await agent?.dispose();
  await killAll(dataDir, log).catch(() => {});
  await runCommand('ip', ['link', 'del', BRIDGE], { allowFailure: true });
  await runCommand('ip', ['route', 'del', 'blackhole', BLACKHOLE], { allowFailure: true });
  await client?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await removeBusyboxArchive();
});

function manifest(name: string, script: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      schedulerName: 'manual-test',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
    },
  });
}

async function bind(name: string): Promise<void> {
  await client.create(
    onePod(name),
    'default',
    { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: NODE } },
    { subresource: 'binding' },
  );
}

async function getPod(name: string): Promise<PodObject> {
  return client.get<PodObject>(PODS, 'default', name);
}

/** Polls the pod until `ok` holds for it. */
async function waitForPod(name: string, ok: (p: Pod) => boolean, timeoutMs = 30_000): Promise<Pod> {
  let last: Pod | undefined;
  return until(
    `pod ${name} to meet its condition`,
    async () => {
      last = await getPod(name);
      return ok(last) && last;
    },
    { timeoutMs, intervalMs: 50, describe: () => `${JSON.stringify(last?.status)}\n${agent.output}` },
  );
}

const get = (url: string) => httpGet(url);

async function runcList(): Promise<{ id: string; pid: number; status: string }[]> {
  const r = await runCommand('/usr/sbin/runc', runcArgs('list', '--format', 'json'));
  return (JSON.parse(r.stdout.trim() || '[]') as { id: string; pid: number; status: string }[] | null) ?? [];
}

const running = (p: Pod): boolean =>
  p.status?.phase === 'Running' && !!p.status.podIP && !!p.status.containerStatuses?.[0]?.state?.running;
const containerId = (p: Pod): string => (p.status?.containerStatuses?.[0]?.containerID ?? '').replace('runc://', '');

test('kill -9 of the agent: the new agent re-adopts running containers, keeps pod IPs, restarts one that died meanwhile, deletes cleanly', async () => {
  await agent.start();
  for (const [name, script] of [
    ['web', 'mkdir -p /www && echo "hi from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www'],
    ['sleeper', 'exec sleep 3600'],
  ]) {
    const r = await server.kubectl(['apply', '-f', '-'], { stdin: manifest(name, script) });
    assert.equal(r.code, 0, r.stderr);
    await bind(name);
  }
  const web = await waitForPod('web', running);
  const sleeper = await waitForPod('sleeper', running);
  const webId = containerId(web);
  const webIP = web.status?.podIP ?? '';
  const sleeperIP = sleeper.status?.podIP ?? '';
  const before = await runcList();
  const webPid = before.find((c) => c.id === webId)?.pid;
  const sleeperPid = before.find((c) => c.id === containerId(sleeper))?.pid;
  assert.ok(webPid && sleeperPid, JSON.stringify(before));
  assert.equal((await httpGetWhenUp(`http://${webIP}:8080/`)).body, 'hi from web\n');

  await agent.kill();
  // While no agent runs: the sleeper's container dies (exit 137); the web container keeps serving.
  process.kill(sleeperPid, 'SIGKILL');
  assert.equal((await get(`http://${webIP}:8080/`)).status, 200);

  await agent.start();
  // restartPolicy Always: the dead container is restarted by the new agent (attempt 1, lastState 137).
  const restarted = await waitForPod(
    'sleeper',
    (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) === 1 && running(p),
  );
  assert.equal(restarted.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
  assert.equal(restarted.status?.podIP, sleeperIP, 'the restarted container is in the same sandbox');
  // The web container was adopted, not started again.
  const list = await runcList();
  const webContainers = list.filter((c) => c.id.startsWith(`${web.metadata?.uid}-`));
  assert.deepEqual(
    webContainers.map((c) => [c.id, c.pid, c.status]),
    [[webId, webPid, 'running']],
  );
  const webAfter = await getPod('web');
  assert.equal(containerId(webAfter), webId);
  assert.equal(webAfter.status?.podIP, webIP);
  assert.equal(webAfter.status?.containerStatuses?.[0]?.restartCount, 0);
  assert.equal(webAfter.status?.phase, 'Running');
  assert.equal((await get(`http://${webIP}:8080/`)).body, 'hi from web\n');
  assert.equal(list.filter((c) => c.status === 'running').length, 2, JSON.stringify(list));

  // The adopted pod is deleted completely by the new agent.
  const uid = web.metadata?.uid ?? '';
  const deleted = await server.kubectl(['delete', 'pod', 'web', '--timeout=30s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual(
    (await runcList()).filter((c) => c.id.startsWith(`${uid}-`)),
    [],
  );
  await assert.rejects(access(join(dataDir, 'ns', `${uid}-net`)), 'network namespace released');
  assert.deepEqual(
    (await mountPoints()).filter((m) => m.includes(uid)),
    [],
  );
  assert.ok(!(await readdir(join(dataDir, 'cni', 'networks', 'flotilla'))).includes(webIP), 'IP released');
  await assert.rejects(get(`http://${webIP}:8080/`));
});

test('flotilla killall leaves nothing behind: containers, conmon, mounts, veths, bridge, routes, cgroups', async () => {
  if (!agent.running) await agent.start();
  const sleeper = await waitForPod('sleeper', running);
  const uid = sleeper.metadata?.uid ?? '';
  assert.ok((await runcList()).length >= 1);
  assert.ok((await conmonPids(dataDir)).length >= 1);
  await agent.kill();

  const r = await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', dataDir], {
    allowFailure: true,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`bridge ${BRIDGE} removed`));

  assert.deepEqual(await runcList(), []);
  assert.deepEqual(await conmonPids(dataDir), []);
  assert.deepEqual(
    (await mountPoints()).filter((m) => m === dataDir || m.startsWith(`${dataDir}/`)),
    [],
  );
  assert.deepEqual(await readdir(join(dataDir, 'ns')), []);
  assert.notEqual((await runCommand('ip', ['link', 'show', BRIDGE], { allowFailure: true })).code, 0, 'bridge removed');
  assert.doesNotMatch((await runCommand('ip', ['link', 'show'])).stdout, new RegExp(`master ${BRIDGE}\\b`));
  const routes = (await runCommand('ip', ['route', 'show'])).stdout;
  assert.ok(!routes.includes(BLACKHOLE.split('/')[0] ?? '-'), routes);
  assert.ok(!routes.includes(POD_CIDR.split('/')[0] ?? '-'), routes);
  for (const h of await readdir('/sys/fs/cgroup'))
    await assert.rejects(access(join('/sys/fs/cgroup', h, 'flotilla', `pod${uid}`)), `cgroup ${h} removed`);
  assert.doesNotMatch(
    (await runCommand('nft', ['list', 'tables'])).stdout,
    new RegExp(`flotilla-proxy-${BRIDGE}\\b`),
    'proxy table removed',
  );
  // Idempotent.
  const again = await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', dataDir], {
    allowFailure: true,
  });
  assert.equal(again.code, 0, again.stderr);
});
