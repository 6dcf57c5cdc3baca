/**
 * Scheduler throughput: prints JSON.
 *   N nodes and M pending pods are created on a real `flotilla server` (SQLite), then a scheduler
 *   is started in this process and timed from its start until the API server has accepted all M
 *   bindings. The pods name `schedulerName: bench-scheduler`, so the server's own scheduler leaves
 *   them alone and the measured one runs in its own process, like kube-scheduler.
 * Usage: node --import tsx bench/scheduler-bench.ts [--nodes 500] [--pods 3000] [--transport socket|https]
 *        [--bind api|none] [--binds-in-flight 64] [--scheduled-events on|off] [--server-prof DIR]
 *        (goal: --nodes 5000 --pods 30000 at >= 1,500 pods/s)
 * Traffic goes only to the server it starts on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { startTestServer } from '../test/helpers/cluster.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import type { KubeObject } from '../src/api/object.js';
import { startScheduler } from '../src/scheduler/index.js';
import { NODES, PODS } from '../src/machinery/resources/well-known.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const nodeCount = Number(opt('nodes', '500'));
const podCount = Number(opt('pods', '3000'));
const transport = opt('transport', 'socket');
/** `api` (default) posts bindings; `none` measures the scheduler alone (bindings accepted at once, not written). */
const bindMode = opt('bind', 'api');
const inFlight = Number(opt('binds-in-flight', '64'));
/** `--scheduled-events off` skips the Normal `Scheduled` event per pod (to see its share). */
const scheduledEvents = opt('scheduled-events', 'on') !== 'off';
const concurrency = 32;
/** `--server-prof DIR` writes a CPU profile of the server process there. */
const serverProf = opt('server-prof', '');

function node(i: number): KubeObject {
  const alloc = { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `node-${i}`,
      labels: {
        'kubernetes.io/hostname': `node-${i}`,
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': `zone-${i % 3}`,
      },
    },
    spec: {},
    status: {
      capacity: alloc,
      allocatable: alloc,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
    },
  };
}

function pod(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-${i}`, namespace: 'default', labels: { app: 'bench', shard: String(i % 10) } },
    spec: {
      schedulerName: 'bench-scheduler',
      containers: [{ name: 'web', image: 'busybox', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
    },
  };
}

async function inParallel(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return (performance.now() - t0) / 1000;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

async function main(): Promise<void> {
  // The API server alone, as kube's scheduler_perf runs it: no node-lifecycle controller tainting
  // and evicting the bench's lease-less nodes, no second scheduler watching.
  const server = await startTestServer({
    extraArgs: ['--disable-controllers', '--disable-scheduler'],
    ...(serverProf ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${serverProf}`] } : {}),
  });
  const connect = (agent: string): KubeClient =>
    transport === 'https'
      ? createClient({ server: server.url, caPem: server.caPem, token: server.token, userAgent: agent })
      : createClient({
          server: 'http://localhost',
          socketPath: join(server.dataDir, 'apiserver.sock'),
          userAgent: agent,
        });
  const setup = connect('bench-setup');
  try {
    const nodesSec = await inParallel(nodeCount, async (i) => {
      const created = await setup.create(NODES, '', node(i));
      if (!created.status || !(created.status as { allocatable?: unknown }).allocatable)
        await setup.patch(NODES, '', `node-${i}`, 'merge', { status: node(i).status }, { subresource: 'status' });
    });
    const podsSec = await inParallel(podCount, (i) => setup.create(PODS, 'default', pod(i)));
    const client = connect('bench-scheduler');
    const t0 = performance.now();
    const running = await startScheduler({
      client,
      log: pino({ level: process.env.LOG_LEVEL ?? 'warn' }),
      schedulerName: 'bench-scheduler',
      maxBindsInFlight: inFlight,
      scheduledEvents,
      ...(bindMode === 'none' ? { bind: async () => {} } : {}),
    });
    const synced = performance.now();
    const s = running.scheduler;
    while (s.stats.bound + s.stats.unschedulable < podCount) await new Promise((r) => setTimeout(r, 20));
    const done = performance.now();
    const cpu = process.cpuUsage();
    await running.stop();
    await client.close();
    let bound = 0;
    let cont: string | undefined;
    do {
      const page = await setup.list(PODS, 'default', { limit: 5000, continue: cont });
      bound += page.items.filter((p) => (p.spec as { nodeName?: string }).nodeName).length;
      cont = page.metadata.continue || undefined;
    } while (cont);
    const scheduleSec = (done - synced) / 1000;
    console.log(
      JSON.stringify(
        {
          nodes: nodeCount,
          pods: podCount,
          transport,
          bind: bindMode,
          bindsInFlight: inFlight,
          scheduledEvents,
          setup: { nodesPerSec: Math.round(nodeCount / nodesSec), podCreatesPerSec: Math.round(podCount / podsSec) },
          informerSyncMs: Math.round(synced - t0),
          scheduleSeconds: Number(scheduleSec.toFixed(2)),
          podsPerSec: Math.round(podCount / scheduleSec),
          podsPerSecIncludingSync: Math.round(podCount / ((done - t0) / 1000)),
          goalPodsPerSec: 1500,
          stats: s.stats,
          boundInApi: bound,
          schedulerProcessCpuSec: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
          serverRssMb: rssMb(server.pid),
          benchRssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
        },
        null,
        2,
      ),
    );
  } finally {
    await setup.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
