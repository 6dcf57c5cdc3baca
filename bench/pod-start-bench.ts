/**
 * Pod start latency on a real node: create -> Running as seen by a watch,
 * image present and unpacked, one node. A `flotilla server` (child process, 127.0.0.1) and an
 * in-process agent with its own bridge and a random 10.42.2xx.0/24; pods name the node in
 * spec.nodeName (no scheduler in the path) and run `sleep`.
 *   paced:  50 pods created at 5 per second: p50 / p99 (goal p50 <= 150 ms, p99 <= 400 ms);
 *   burst:  100 pods created at once: time until all are Running (goal <= 5 s), and p50 / p99;
 *   serial: N pods one at a time, median / p90.
 * A warm-up pod (it creates the bridge) runs first and is excluded. Prints one JSON line per phase.
 * Removes every container, mount, netns and the bridge at the end.
 * `--workers N` sets the agent's concurrent pod workers (default the agent's, 16).
 * BENCH_SERVER_PROF=DIR runs the API server with --cpu-prof into DIR.
 * Usage: node --import tsx bench/pod-start-bench.ts [--phases paced,burst] [--paced 50] [--rate 5] [--burst 100] [--serial 20] [--workers N]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RunningAgent } from '../src/agent/agent.js';
import { startNode } from '../src/server/start-node.js';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { busyboxArchive, removeBusyboxArchive } from '../test/fixtures/images/busybox.js';
import { startTestServer, type TestServer } from '../test/helpers/cluster.js';
import { PODS } from '../src/machinery/resources/well-known.js';
import { issueClientCertificate } from '../test/helpers/real-node.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const phases = opt('phases', 'paced,burst').split(',');
const log = pino({ level: process.env.FLOTILLA_BENCH_LOG ?? 'silent' });
const suffix = Math.floor(Math.random() * 0xffff).toString(16);
const NODE = `bench-node-${suffix}`;

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One watch on the namespace: the time each pod was first seen Running. */
class RunningWatch {
  readonly runningAt = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private readonly handle: ReturnType<KubeClient['watch']>;

  constructor(client: KubeClient) {
    this.handle = client.watch<PodObject>(
      PODS,
      'default',
      { labelSelector: `bench=${suffix}`, resourceVersion: '0' },
      (ev) => {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
        const name = ev.object.metadata.name ?? '';
        if (ev.object.status?.phase === 'Running' && !this.runningAt.has(name)) {
          this.runningAt.set(name, performance.now());
          for (const w of this.waiters) w();
        }
      },
    );
  }

  /** Resolves once every named pod has been seen Running (rejects after timeoutMs). */
  async all(names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!names.every((n) => this.runningAt.has(n))) {
      if (Date.now() > deadline)
        throw new Error(`not Running after ${timeoutMs} ms: ${names.filter((n) => !this.runningAt.has(n)).join(' ')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
      this.waiters = [];
    }
  }

  stop(): void {
    this.handle.stop();
  }
}

function pod(name: string): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { bench: suffix } },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
    },
  };
}

/**
 * Deletes the pods and waits until the agent has removed their containers and sandboxes (mounts,
 * network), then until the host is quiet (the kernel frees network namespaces after they are
 * gone), so that the next phase does not pay for this one's teardown. Returns ms until removed.
 */
async function removeAll(client: KubeClient, agent: RunningAgent, names: string[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    names.map((n) => client.delete(PODS, 'default', n, { gracePeriodSeconds: 0 }).catch(() => undefined)),
  );
  const deadline = Date.now() + 120_000;
  while (
    (agent.runtime.listContainers().length > 0 || (await agent.runtime.sandboxUids()).length > 0) &&
    Date.now() < deadline
  )
    await sleep(100);
  const removedMs = performance.now() - t0;
  for (let quietBy = Date.now() + 15_000; Date.now() < quietBy; ) {
    const before = await hostCpu();
    await sleep(500);
    if ((await hostCpu()).busy - before.busy < 20) break; // < 20 % of one core over 0.5 s (jiffies of 10 ms)
  }
  return removedMs;
}

/** Host CPU jiffies (1/100 s) from /proc/stat: busy (all but idle and iowait) and system (system, irq, softirq). */
async function hostCpu(): Promise<{ busy: number; system: number }> {
  const f = (await readFile('/proc/stat', 'utf8')).split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f; // idle and iowait skipped
  return { busy: user + nice + system + irq + softirq + steal, system: system + irq + softirq };
}

/** A process's CPU jiffies (user + system) from /proc/<pid>/stat. */
async function processCpu(pid: number): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ') ?? [];
  return Number(f[11] ?? 0) + Number(f[12] ?? 0);
}

function summary(latencies: number[]): Record<string, number> {
  const s = [...latencies].sort((a, b) => a - b);
  return {
    p50Ms: Math.round(pct(s, 50)),
    p90Ms: Math.round(pct(s, 90)),
    p99Ms: Math.round(pct(s, 99)),
    minMs: Math.round(s[0] ?? NaN),
    maxMs: Math.round(s[s.length - 1] ?? NaN),
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-pods-'));
  let server: TestServer | undefined;
  let client: KubeClient | undefined;
  let agent: RunningAgent | undefined;
  let watch: RunningWatch | undefined;
  try {
    server = await startTestServer(
      process.env.BENCH_SERVER_PROF
        ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SERVER_PROF] }
        : {},
    );
    // The agent's identity under the default Node,RBAC: its node (a certificate from the cluster CA).
    client = createClient({
      server: server.url,
      caPem: server.caPem,
      clientCert: await issueClientCertificate(server.dataDir, `CN=system:node:${NODE}, O=system:nodes`),
    });
    agent = await startNode({
      client,
      dataDir,
      nodeName: NODE,
      nodeIP: '127.0.0.1',
      log,
      bridge: `flb${suffix}`,
      podCIDR: `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`,
      blackholeRoutes: [],
      proxy: false,
      workers: args.includes('--workers') ? Number(opt('workers', '8')) : undefined,
    });
    const [img] = await agent.images.importArchive(await busyboxArchive());
    if (img) await agent.images.layerDirs(img);
    watch = new RunningWatch(client);
    await sleep(100); // the watch is established
    const createdAt = new Map<string, number>();
    const create = async (name: string): Promise<void> => {
      createdAt.set(name, performance.now());
      await client?.create(PODS, 'default', pod(name));
    };
    const latencies = (names: string[]): number[] =>
      names.map((n) => (watch?.runningAt.get(n) ?? NaN) - (createdAt.get(n) ?? NaN));

    await create('warmup');
    await watch.all(['warmup'], 30_000);
    await removeAll(client, agent, ['warmup']);

    if (phases.includes('paced')) {
      const n = Number(opt('paced', '50'));
      const rate = Number(opt('rate', '5'));
      const names = Array.from({ length: n }, (_, i) => `paced-${i}`);
      const t0 = performance.now();
      const creates: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        const due = t0 + (i * 1000) / rate;
        if (due > performance.now()) await sleep(due - performance.now());
        creates.push(create(names[i] as string));
      }
      await Promise.all(creates);
      await watch.all(names, 120_000);
      process.stdout.write(
        `${JSON.stringify({ bench: 'pod-start', phase: 'paced', what: `create -> Running seen by a watch, ${n} pods at ${rate}/s, one node, image present`, pods: n, ...summary(latencies(names)), goal: { p50Ms: 150, p99Ms: 400 } })}\n`,
      );
      await removeAll(client, agent, names);
    }

    if (phases.includes('burst')) {
      const n = Number(opt('burst', '100'));
      const names = Array.from({ length: n }, (_, i) => `burst-${i}`);
      const [cpu0, host0, server0, load] = [
        process.cpuUsage(),
        await hostCpu(),
        await processCpu(server.pid),
        (await readFile('/proc/loadavg', 'utf8')).split(' ')[0],
      ];
      const t0 = performance.now();
      await Promise.all(names.map(create));
      const created = performance.now();
      await watch.all(names, 300_000);
      const allRunning = Math.max(...names.map((x) => watch?.runningAt.get(x) ?? NaN)) - t0;
      const [cpu, host1, server1] = [process.cpuUsage(cpu0), await hostCpu(), await processCpu(server.pid)];
      // CPU of this process (agent, client, watch; not the server, not the helpers) and of the whole host (other users included) until all ran.
      const cpuMs = {
        agentUser: Math.round(cpu.user / 1000),
        agentSystem: Math.round(cpu.system / 1000),
        server: (server1 - server0) * 10,
        hostBusy: (host1.busy - host0.busy) * 10,
        hostSystem: (host1.system - host0.system) * 10,
      };
      process.stdout.write(
        `${JSON.stringify({ bench: 'pod-start', phase: 'burst', what: `${n} pods created at once -> all Running seen by a watch`, pods: n, allRunningMs: Math.round(allRunning), createsMs: Math.round(created - t0), ...summary(latencies(names)), cpuMs, loadBefore: Number(load), goal: { allRunningMs: 5000 } })}\n`,
      );
      const removedMs = await removeAll(client, agent, names);
      process.stdout.write(
        `${JSON.stringify({ bench: 'pod-start', phase: 'teardown', what: `${n} pods deleted at once -> every container and sandbox removed`, pods: n, allRemovedMs: Math.round(removedMs) })}\n`,
      );
    }

    if (phases.includes('serial')) {
      const n = Number(opt('serial', '20'));
      const names: string[] = [];
      for (let i = 0; i < n; i++) {
        const name = `serial-${i}`;
        names.push(name);
        await create(name);
        await watch.all([name], 30_000);
      }
      process.stdout.write(
        `${JSON.stringify({ bench: 'pod-start', phase: 'serial', what: 'create -> Running seen by a watch, one pod at a time', pods: n, ...summary(latencies(names)) })}\n`,
      );
      await removeAll(client, agent, names);
    }
  } finally {
    watch?.stop();
    await agent?.stop();
    await agent?.runtime.destroyAll();
    await agent?.network.removeBridge();
    await client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await removeBusyboxArchive();
  }
}

await main();
