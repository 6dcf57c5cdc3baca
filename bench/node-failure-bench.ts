/**
 * Node failure to replacement pods Running, three nodes (goal: <= 15 s). Each round starts
 * `flotilla up --nodes 3` (child process, own data dir, cluster name, node subnet and pod range,
 * server defaults: node grace 8 s, toleration 5 s), runs a busybox httpd Deployment spread over the
 * nodes, then kills node 3 (agent SIGKILL + its veth down) and times, from the kill, polling the API
 * every 100 ms: node Ready=Unknown, the lost pods marked for deletion (eviction), and all replicas
 * Running again on the other nodes. Prints one JSON line per round and a summary. Removes the cluster
 * (SIGINT, then `flotilla killall --data-dir`) after each round. Runs as root.
 * Usage: node --import tsx bench/node-failure-bench.ts [--rounds 1] [--replicas 6]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { createClient, loadKubeconfig, type KubeClient } from '../src/machinery/client/index.js';
import type { KubeObject } from '../src/api/object.js';
import { flotillaCommand, kubectl } from '../test/helpers/cluster.js';
import { NODES, PODS } from '../src/machinery/resources/well-known.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const ROUNDS = Number(opt('rounds', '1'));
const REPLICAS = Number(opt('replicas', '6'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function deployment(replicas: number): string {
  const selector = { matchLabels: { app: 'web' } };
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: selector,
            },
          ],
          containers: [
            {
              name: 'httpd',
              image: 'busybox',
              command: ['sh', '-c', 'mkdir /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www'],
            },
          ],
        },
      },
    },
  });
}

interface Round {
  replicas: number;
  lostPods: number;
  nodeUnknownMs: number;
  evictedMs: number;
  replacedMs: number;
}

async function round(): Promise<Round> {
  const hex = Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  const cluster = `flb${hex}`;
  const nodeNet = `10.45.${Math.floor(Math.random() * 250) + 1}`;
  const podNet = `10.42.${200 + Math.floor(Math.random() * 50)}`;
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-node-failure-'));
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...flotillaCommand(),
      'up',
      '--nodes',
      '3',
      '--cluster-name',
      cluster,
      '--node-subnet',
      `${nodeNet}.0/24`,
      '--data-dir',
      dir,
      '--port',
      '0',
      '--bind-address',
      `${nodeNet}.1`,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLOTILLA_CLUSTER_CIDR: `${podNet}.0/24`, FLOTILLA_NODE_CIDR_MASK_SIZE: '26' },
    },
  );
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  let client: KubeClient | undefined;
  try {
    const node3 = `${cluster}-node3`;
    const deadline = Date.now() + 120_000;
    while (
      !(out.includes(`node ${cluster}-node2 running`) && out.includes(`node ${node3} running`)) &&
      Date.now() < deadline &&
      child.exitCode === null
    )
      await sleep(100);
    if (!out.includes(`node ${node3} running`)) throw new Error(`cluster did not start:\n${out}`);
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    const api = createClient(await loadKubeconfig(kubeconfig));
    client = api;
    const applied = await kubectl(['apply', '-f', '-'], { kubeconfig, stdin: deployment(REPLICAS) });
    if (applied.code !== 0) throw new Error(applied.stderr);
    const rollout = await kubectl(['rollout', 'status', 'deploy/web', '--timeout=120s'], {
      kubeconfig,
      timeoutMs: 130_000,
    });
    if (rollout.code !== 0) throw new Error(rollout.stderr);
    const pods = async (): Promise<Pod[]> =>
      (await api.list<KubeObject & Pod>(PODS, 'default', { labelSelector: 'app=web' })).items;
    const lost = (await pods()).filter((p) => p.spec?.nodeName === node3).map((p) => p.metadata?.name);
    const state = JSON.parse(await readFile(join(dir, 'cluster-nodes.json'), 'utf8')) as {
      nodes: { name: string; pid: number; veth: string }[];
    };
    const n3 = state.nodes.find((n) => n.name === node3);
    if (!n3) throw new Error('node 3 not recorded');

    const t0 = performance.now();
    process.kill(n3.pid, 'SIGKILL');
    await runCommand('ip', ['link', 'set', n3.veth, 'down']);
    let nodeUnknownMs = NaN;
    let evictedMs = NaN;
    let replacedMs = NaN;
    while (performance.now() - t0 < 120_000) {
      const now = () => Math.round(performance.now() - t0);
      if (Number.isNaN(nodeUnknownMs)) {
        const n = await api.get<KubeObject & Node>(NODES, '', node3);
        if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown') nodeUnknownMs = now();
      }
      const all = await pods();
      if (
        Number.isNaN(evictedMs) &&
        lost.length &&
        lost.every(
          (name) =>
            all.find((p) => p.metadata?.name === name)?.metadata?.deletionTimestamp ??
            !all.some((p) => p.metadata?.name === name),
        )
      )
        evictedMs = now();
      const live = all.filter(
        (p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && p.spec?.nodeName !== node3,
      );
      if (live.length >= REPLICAS) {
        replacedMs = now();
        break;
      }
      await sleep(100);
    }
    return { replicas: REPLICAS, lostPods: lost.length, nodeUnknownMs, evictedMs, replacedMs };
  } finally {
    await client?.close();
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, sleep(60_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', dir], { allowFailure: true });
    await rm(dir, { recursive: true, force: true });
  }
}

const results: Round[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = await round();
  results.push(r);
  process.stdout.write(`${JSON.stringify({ bench: 'node-failure', round: i + 1, ...r })}\n`);
}
const replaced = results.map((r) => r.replacedMs).sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    bench: 'node-failure',
    summary: true,
    nodes: 3,
    rounds: ROUNDS,
    replicas: REPLICAS,
    goalMs: 15_000,
    replacedMsMedian: replaced[Math.floor((replaced.length - 1) / 2)],
    replacedMsMax: replaced[replaced.length - 1],
    settings: { nodeMonitorGracePeriodMs: 8000, defaultTolerationSeconds: 5 },
  })}\n`,
);
