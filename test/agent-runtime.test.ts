/**
 * The OCI runtime with real runc containers under conmon and real CNI: a sandbox with a pod IP,
 * a busybox httpd reachable from the host, exit codes, logs, stop and full cleanup. Runs as root.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { ImageStore } from '../src/agent/images/image-store.js';
import { CniNetwork } from '../src/agent/network/cni-network.js';
import { OciRuntime } from '../src/agent/runtime/oci/oci-runtime.js';
import { mountPoints } from '../src/agent/runtime/oci/mounts.js';
import type { ContainerState } from '../src/agent/runtime/container-runtime.js';
import { busyboxArchive, removeBusyboxArchive } from './fixtures/images/busybox.js';
import { httpGetWhenUp } from './helpers/http-get.js';

const log = pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' });
const suffix = Math.floor(Math.random() * 0xffff).toString(16);
let dataDir = '';
let runtime: OciRuntime;
let network: CniNetwork;
let layers: string[] = [];
let env: string[] = [];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-rt-'));
  const images = new ImageStore(join(dataDir, 'images'), log);
  const [img] = await images.importArchive(await busyboxArchive());
  assert.ok(img);
  layers = await images.layerDirs(img);
  env = img.config.env;
  network = new CniNetwork({
    bridge: `flt${suffix}`,
    subnet: `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`,
    ipamDataDir: join(dataDir, 'cni'),
    log,
  });
  runtime = new OciRuntime({ dataDir, network, log });
  await runtime.init();
});

after(async () => {
  await runtime?.destroyAll();
  await network?.removeBridge();
  await rm(dataDir, { recursive: true, force: true });
  await removeBusyboxArchive();
});

function nextExit(id: string): Promise<ContainerState> {
  return new Promise((resolve) =>
    runtime.onExit((s) => {
      if (s.id === id) resolve(s);
    }),
  );
}

test('a sandbox gets a pod IP; an httpd container in it answers from the host; stop and remove clean up', async () => {
  const uid = `0000aaaa-${suffix}-4000-8000-000000000001`;
  const t0 = performance.now();
  const sandbox = await runtime.runSandbox({ uid, namespace: 'default', name: 'web', hostname: 'web' });
  const tSandbox = performance.now() - t0;
  assert.match(await sandbox.attached, /^10\.42\.\d+\.\d+$/);
  assert.equal(sandbox.ip, await sandbox.attached);
  assert.match(
    await readFile(join(sandbox.dir, 'hosts'), 'utf8'),
    new RegExp(`^${sandbox.ip.replace(/\./g, '\\.')}\tweb$`, 'm'),
  );
  const logPath = join(sandbox.dir, 'httpd', '0.log');
  const id = `${uid}-httpd-0`;
  const state = await runtime.startContainer(sandbox, {
    id,
    podUid: uid,
    name: 'httpd',
    attempt: 0,
    env,
    workingDir: '',
    user: '',
    layers,
    logPath: 'httpd/0.log',
    resources: { memoryLimitBytes: 64 << 20 },
    args: [
      'sh',
      '-c',
      'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && echo started && exec httpd -f -p 8080 -h /www',
    ],
  });
  const tStart = performance.now() - t0;
  assert.equal(state.status, 'running');
  const res = await httpGetWhenUp(`http://${sandbox.ip}:8080/`);
  assert.equal(res.status, 200);
  assert.equal(res.body, 'hello from web\n');
  assert.match(await readFile(logPath, 'utf8'), /^\S+ stdout F started$/m);
  process.stdout.write(`# sandbox ${tSandbox.toFixed(0)} ms, sandbox + container running ${tStart.toFixed(0)} ms\n`);

  const exited = nextExit(id);
  await runtime.stopContainer(id, 200); // httpd as PID 1 ignores SIGTERM: SIGKILL after the grace period
  assert.equal((await exited).exitCode, 137);
  await runtime.removeContainer(id);
  await runtime.removeSandbox(uid);
  assert.equal(runtime.listContainers(uid).length, 0);
  assert.ok(
    !(await mountPoints()).some((m) => m.startsWith(dataDir) && m !== join(dataDir, 'ns')),
    'no mounts left but the ns dir',
  );
  await assert.rejects(access(join(dataDir, 'ns', `${uid}-net`)));
  await assert.rejects(access(`/sys/fs/cgroup/memory/flotilla/pod${uid}`));
});

test('a container exit code is reported with reason Error, and 0 as Completed', async () => {
  const uid = `0000aaaa-${suffix}-4000-8000-000000000002`;
  const sandbox = await runtime.runSandbox({ uid, namespace: 'default', name: 'job', hostname: 'job' });
  const base = { podUid: uid, attempt: 0, env, workingDir: '/tmp', user: 'nobody', layers, resources: {} };
  const failed = nextExit(`${uid}-fail-0`);
  await runtime.startContainer(sandbox, {
    ...base,
    id: `${uid}-fail-0`,
    name: 'fail',
    args: ['sh', '-c', 'id -u; exit 3'],
    logPath: 'fail/0.log',
  });
  const s = await failed;
  assert.equal(s.exitCode, 3);
  assert.equal(s.reason, 'Error');
  assert.match(await readFile(join(sandbox.dir, 'fail', '0.log'), 'utf8'), /stdout F 65534$/m);
  const ok = nextExit(`${uid}-ok-0`);
  await runtime.startContainer(sandbox, {
    ...base,
    id: `${uid}-ok-0`,
    name: 'ok',
    args: ['true'],
    logPath: 'ok/0.log',
  });
  assert.equal((await ok).reason, 'Completed');
  for (const c of runtime.listContainers(uid)) await runtime.removeContainer(c.id);
  await runtime.removeSandbox(uid);
});

test('a container started by one runtime instance is re-adopted by the next (agent restart): running, stoppable, not duplicated', async () => {
  const uid = `0000aaaa-${suffix}-4000-8000-000000000003`;
  const sandbox = await runtime.runSandbox({ uid, namespace: 'default', name: 'keep', hostname: 'keep' });
  const id = `${uid}-main-0`;
  const started = await runtime.startContainer(sandbox, {
    id,
    podUid: uid,
    name: 'main',
    attempt: 0,
    env,
    workingDir: '',
    user: '',
    layers,
    logPath: 'main/0.log',
    resources: {},
    args: ['sleep', '3600'],
  });
  assert.equal(started.status, 'running');
  runtime.close(); // the first agent goes away; conmon keeps the container
  const next = new OciRuntime({ dataDir, network, log });
  await next.init();
  try {
    const adopted = next.listContainers(uid);
    assert.equal(adopted.length, 1);
    assert.deepEqual(
      { id: adopted[0]?.id, name: adopted[0]?.name, attempt: adopted[0]?.attempt, status: adopted[0]?.status },
      { id, name: 'main', attempt: 0, status: 'running' },
    );
    const exited = new Promise<ContainerState>((resolve) =>
      next.onExit((s) => {
        if (s.id === id) resolve(s);
      }),
    );
    await next.stopContainer(id, 200);
    assert.equal((await exited).exitCode, 137);
    await next.removeContainer(id);
    assert.equal(next.listContainers(uid).length, 0);
  } finally {
    await next.destroyAll();
  }
});
