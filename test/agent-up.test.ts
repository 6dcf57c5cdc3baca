/**
 * `flotilla up` as a real process: server and node agent in one process (node = host name), the
 * busybox image imported on first start, a Deployment of two busybox httpd replicas applied with the
 * real kubectl turns Ready, each pod answers at its pod IP from the host, and `kubectl delete deploy`
 * removes the containers. Runs as root; skipped when a real cluster already owns the `flotilla0`
 * bridge on this machine. Cleans up the containers, bridge, blackhole routes and data dir.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import type { KubectlResult } from './helpers/cluster.js';
import { httpGetWhenUp } from './helpers/http-get.js';
import { startUp, UP_BRIDGE_TAKEN, type UpProcess } from './helpers/up-process.js';
import { until } from './helpers/wait-until.js';

let up: UpProcess | undefined;
const k = (args: string[], stdin?: string): Promise<KubectlResult> => {
  assert.ok(up);
  return up.kubectl(args, stdin);
};
const out = (): string => up?.output() ?? '';

before(async () => {
  if (UP_BRIDGE_TAKEN) return;
  up = await startUp({ name: 'up-agent' });
});

after(async () => {
  await up?.stop();
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
  skip: UP_BRIDGE_TAKEN && 'flotilla0 exists: a real cluster runs here',
}, async () => {
  const node = hostname().toLowerCase();
  const r = await k(['wait', '--for=condition=Ready', `node/${node}`, '--timeout=30s']);
  assert.equal(r.code, 0, r.stderr + out());
  assert.match(out(), /imported busybox:latest/);
});

test('flotilla up: a Deployment of 2 busybox httpd runs, each pod answers at its IP, delete removes the containers', {
  skip: UP_BRIDGE_TAKEN && 'flotilla0 exists: a real cluster runs here',
}, async () => {
  const applied = await k(['apply', '-f', '-'], DEPLOYMENT);
  assert.equal(applied.code, 0, applied.stderr);
  const t0 = performance.now();
  const avail = await k(['rollout', 'status', 'deploy/web', '--timeout=60s']);
  assert.equal(avail.code, 0, avail.stderr + out());
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
    (await runCommand('runc', ['--root', join(up?.dataDir ?? '', 'runc'), 'list', '-q'])).stdout
      .split('\n')
      .filter(Boolean);
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
