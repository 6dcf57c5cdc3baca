/**
 * `flotilla up` as a real process: server and node agent in one process (node = host name), the
 * busybox image imported on first start, a Deployment of two busybox httpd replicas applied with the
 * real kubectl turns Ready, each pod answers at its pod IP from the host, and `kubectl delete deploy`
 * removes the containers. Runs as root; skipped when a real cluster already owns the `flotilla0`
 * bridge on this machine. Cleans up the containers, bridge, blackhole routes and data dir.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { CniNetwork } from '../src/agent/network/cni-network.js';
import { removeBlackholeRoutes } from '../src/agent/network/blackhole-routes.js';
import { OciRuntime } from '../src/agent/runtime/oci/oci-runtime.js';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { flotillaCommand, kubectl, type KubectlResult } from './helpers/cluster.js';
import { httpGetWhenUp } from './helpers/http-get.js';
import { until } from './helpers/wait-until.js';

const log = pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' });
const bridgeTaken = existsSync('/sys/class/net/flotilla0');
const BLACKHOLES = ['10.42.0.0/16', '10.43.0.0/16'];
let preexistingRoutes = '';
let dir = '';
let child: ChildProcess | undefined;
let out = '';

const k = (args: string[], stdin?: string): Promise<KubectlResult> =>
  kubectl(args, { kubeconfig: join(dir, 'kubeconfig.yaml'), stdin });

before(async () => {
  if (bridgeTaken) return;
  preexistingRoutes = (await runCommand('ip', ['route', 'show', 'type', 'blackhole'])).stdout;
  dir = await mkdtemp(join(tmpdir(), 'flotilla-up-agent-'));
  child = spawn(
    process.execPath,
    [
      ...flotillaCommand(),
      'up',
      '--data-dir',
      dir,
      '--port',
      '0',
      '--bind-address',
      '127.0.0.1',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const up = child;
  await until(
    'the node agent to start (or fail)',
    () => /node agent (running|failed)/.test(out) || up.exitCode !== null,
    {
      timeoutMs: 60_000,
      describe: () => out,
    },
  );
  assert.match(out, /node agent running/, out);
});

after(async () => {
  if (bridgeTaken) return;
  if (child && child.exitCode === null) {
    const up = child;
    up.kill('SIGINT');
    await until('flotilla up to exit after SIGINT', () => up.exitCode !== null || up.signalCode !== null, {
      timeoutMs: 15_000,
    }).catch(() => undefined); // then SIGKILL
    if (up.exitCode === null) up.kill('SIGKILL');
  }
  const network = new CniNetwork({ ipamDataDir: join(dir, 'cni', 'networks'), log });
  const runtime = new OciRuntime({ dataDir: dir, network, log });
  await runtime.destroyAll();
  await network.removeBridge();
  await removeBlackholeRoutes(BLACKHOLES.filter((c) => !preexistingRoutes.includes(c)));
  await rm(dir, { recursive: true, force: true });
});

const DEPLOYMENT = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'httpd',
            image: 'busybox',
            command: [
              'sh',
              '-c',
              'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www',
            ],
          },
        ],
      },
    },
  },
});

test('flotilla up: the host is a Ready node and busybox is imported', {
  skip: bridgeTaken && 'flotilla0 exists: a real cluster runs here',
}, async () => {
  const node = hostname().toLowerCase();
  const r = await k(['wait', '--for=condition=Ready', `node/${node}`, '--timeout=30s']);
  assert.equal(r.code, 0, r.stderr + out);
  assert.match(out, /imported busybox:latest/);
});

test('flotilla up: a Deployment of 2 busybox httpd runs, each pod answers at its IP, delete removes the containers', {
  skip: bridgeTaken && 'flotilla0 exists: a real cluster runs here',
}, async () => {
  const applied = await k(['apply', '-f', '-'], DEPLOYMENT);
  assert.equal(applied.code, 0, applied.stderr);
  const t0 = performance.now();
  const avail = await k(['rollout', 'status', 'deploy/web', '--timeout=60s']);
  assert.equal(avail.code, 0, avail.stderr + out);
  process.stdout.write(`# apply -> rollout complete (2 replicas): ${(performance.now() - t0).toFixed(0)} ms\n`);
  const pods = await k([
    'get',
    'pods',
    '-l',
    'app=web',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.podIP} {.status.phase}{"\\n"}{end}',
  ]);
  assert.equal(pods.code, 0, pods.stderr);
  const rows = pods.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  assert.equal(rows.length, 2, pods.stdout);
  for (const [name, ip, phase] of rows) {
    assert.equal(phase, 'Running');
    assert.match(ip ?? '', /^10\.42\.\d+\.\d+$/);
    const res = await httpGetWhenUp(`http://${ip}:8080/`);
    assert.equal(res.status, 200);
    assert.equal(res.body, `hello from ${name}\n`);
  }
  const runcList = async (): Promise<string[]> =>
    (await runCommand('runc', ['--root', join(dir, 'runc'), 'list', '-q'])).stdout.split('\n').filter(Boolean);
  assert.equal((await runcList()).length, 2);

  const deleted = await k(['delete', 'deploy', 'web', '--timeout=60s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  let left = await runcList();
  await until(
    'the containers removed after kubectl delete deploy',
    async () => {
      left = await runcList();
      return left.length === 0;
    },
    { timeoutMs: 30_000, describe: () => left.join(' ') },
  );
  // The agent deletes the pod objects right after removing their containers.
  await until(
    'the pod objects deleted',
    async () => (await k(['get', 'pods', '-l', 'app=web', '-o', 'name'])).stdout.trim() === '',
    {
      timeoutMs: 5000,
    },
  );
});
