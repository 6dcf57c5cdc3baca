/**
 * Agent resident memory with N pods running (goal <= 100 MB with 100 pods; conmon
 * processes counted separately). A `flotilla server` (child process) and the agent as its own
 * process (a small script calling startNode with its own bridge, a random 10.42.2xx.0/24 and no
 * blackhole routes; from dist/ when the build is current, else tsx on the sources, which adds the
 * TypeScript loader's memory). Pods name the node in spec.nodeName and run `sleep`.
 * Prints JSON: agent VmRSS idle and with the pods running (after settling), its peak (VmHWM), and
 * the conmon processes' total and per-pod RSS. Removes everything at the end (flotilla killall core).
 * `--dist DIR` loads the agent from a compiled tree (e.g. `tsc --outDir DIR` with node_modules linked beside it).
 * `--node-args "A B"` passes V8/Node flags to the agent process (e.g. --max-semi-space-size=1).
 * `--heap-snapshot FILE` writes the agent's V8 heap snapshot (with the pods running) to FILE.
 * Usage: node --import tsx bench/agent-memory-bench.ts [--pods 100] [--settle 30] [--dist DIR] [--node-args "..."] [--heap-snapshot FILE]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ImageStore } from '../src/agent/images/image-store.js';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import { conmonPids, killAll } from '../src/agent/runtime/oci/kill-all.js';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { busyboxArchive, removeBusyboxArchive } from '../test/fixtures/images/busybox.js';
import { flotillaCommand, REPO_ROOT, startTestServer, type TestServer } from '../test/helpers/cluster.js';
import { PODS } from '../src/machinery/resources/well-known.js';
import { issueClientCertificate } from '../test/helpers/real-node.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const count = Number(opt('pods', '100'));
const settleS = Number(opt('settle', '30'));
const log = pino({ level: process.env.FLOTILLA_BENCH_LOG ?? 'silent' });
const suffix = Math.floor(Math.random() * 0xffff).toString(16);
const NODE = `mem-node-${suffix}`;
const BRIDGE = `flm${suffix}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A /proc/<pid>/status field in MiB (VmRSS, VmHWM). */
async function procMiB(pid: number, field: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-mem-'));
  const scriptDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-mem-script-'));
  let server: TestServer | undefined;
  let client: KubeClient | undefined;
  let agent: ChildProcess | undefined;
  try {
    server = await startTestServer();
    client = createClient({ server: server.url, token: server.token, caPem: server.caPem });
    const images = new ImageStore(join(dataDir, 'images'), log);
    const [img] = await images.importArchive(await busyboxArchive());
    if (img) await images.layerDirs(img);
    const distDir = opt('dist', '') || (flotillaCommand()[0] !== '--import' ? join(REPO_ROOT, 'dist') : '');
    const built = distDir !== '';
    const mod = (p: string): string =>
      JSON.stringify(built ? join(distDir, `${p}.js`) : join(REPO_ROOT, 'src', `${p}.ts`));
    await writeFile(
      join(scriptDir, 'agent.mjs'),
      `
const c = JSON.parse(process.env.AGENT_CONFIG ?? '{}');
const { createLogger } = await import(${mod('server/create-logger')});
const { createClient } = await import(${mod('machinery/client/index')});
const { startNode } = await import(${mod('server/start-node')});
const client = createClient({ server: c.server, clientCert: c.clientCert, caPem: c.caPem });
await startNode({ client, dataDir: c.dataDir, nodeName: c.nodeName, nodeIP: '127.0.0.1', log: createLogger('warn'), bridge: c.bridge, podCIDR: c.podCIDR, blackholeRoutes: [], proxy: false });
process.on('SIGUSR2', () => process.stdout.write('MEM ' + JSON.stringify(process.memoryUsage()) + '\\n'));
process.on('SIGHUP', async () => { const v8 = await import('node:v8'); v8.writeHeapSnapshot(c.heapSnapshot); process.stdout.write('SNAPSHOT\\n'); });
process.stdout.write('agent ready\\n');
`,
    );
    const config = {
      heapSnapshot: opt('heap-snapshot', ''),
      server: server.url,
      // The agent's identity under the default Node,RBAC: its node (a certificate from the cluster CA).
      clientCert: await issueClientCertificate(server.dataDir, `CN=system:node:${NODE}, O=system:nodes`),
      caPem: server.caPem,
      dataDir,
      nodeName: NODE,
      bridge: BRIDGE,
      podCIDR: `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`,
    };
    let out = '';
    const nodeArgs = opt('node-args', '').split(' ').filter(Boolean);
    agent = spawn(
      process.execPath,
      [...nodeArgs, ...(built ? [] : ['--import', 'tsx']), join(scriptDir, 'agent.mjs')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, AGENT_CONFIG: JSON.stringify(config) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    agent.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
    agent.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
    const deadline = Date.now() + 60_000;
    while (!out.includes('agent ready')) {
      if (agent.exitCode !== null || Date.now() > deadline) throw new Error(`agent did not start:\n${out}`);
      await sleep(50);
    }
    const pid = agent.pid ?? 0;
    await sleep(settleS * 1000);
    const idleRss = await procMiB(pid, 'VmRSS');

    const names = Array.from({ length: count }, (_, i) => `mem-${i}`);
    const t0 = performance.now();
    await Promise.all(
      names.map((name) =>
        client?.create(PODS, 'default', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'default' },
          spec: {
            nodeName: NODE,
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
          },
        } as PodObject),
      ),
    );
    for (;;) {
      const pods = await client.list<PodObject>(PODS, 'default');
      const running = pods.items.filter((p) => p.status?.phase === 'Running').length;
      if (running >= count) break;
      if (performance.now() - t0 > 600_000) throw new Error(`only ${running} of ${count} pods Running after 10 min`);
      await sleep(500);
    }
    const allRunningMs = performance.now() - t0;
    await sleep(settleS * 1000);
    const rss = await procMiB(pid, 'VmRSS');
    // The agent's own view (heap vs the rest of its RSS).
    const before = out.length;
    agent.kill('SIGUSR2');
    for (let i = 0; i < 50 && !out.slice(before).includes('\n'); i++) await sleep(20);
    const mem = JSON.parse(/MEM (\{.*\})/.exec(out.slice(before))?.[1] ?? '{}') as Record<string, number>;
    if (opt('heap-snapshot', '')) {
      const from = out.length;
      agent.kill('SIGHUP');
      for (let i = 0; i < 600 && !out.slice(from).includes('SNAPSHOT'); i++) await sleep(100);
    }
    const mib = (v: number | undefined): number => Math.round(((v ?? NaN) / 1048576) * 10) / 10;
    const hwm = await procMiB(pid, 'VmHWM');
    const conmons = await conmonPids(dataDir);
    const conmonRss = (await Promise.all(conmons.map((p) => procMiB(p, 'VmRSS')))).filter((x) => Number.isFinite(x));
    const conmonTotal = Math.round(conmonRss.reduce((a, b) => a + b, 0) * 10) / 10;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'agent-memory',
        what: `agent process VmRSS with ${count} pods running (settled ${settleS} s), conmon separately`,
        loader: built ? 'dist' : 'tsx',
        nodeArgs,
        pods: count,
        allRunningMs: Math.round(allRunningMs),
        agentIdleRssMiB: idleRss,
        agentRssMiB: rss,
        agentPeakRssMiB: hwm,
        agentHeapUsedMiB: mib(mem.heapUsed),
        agentHeapTotalMiB: mib(mem.heapTotal),
        agentExternalMiB: mib(mem.external),
        conmonProcesses: conmons.length,
        conmonTotalRssMiB: conmonTotal,
        conmonPerPodRssMiB: Math.round((conmonTotal / Math.max(1, conmons.length)) * 100) / 100,
        goal: { agentRssMiB: 100 },
      })}\n`,
    );
    await Promise.all(
      names.map((n) => client?.delete(PODS, 'default', n, { gracePeriodSeconds: 0 }).catch(() => undefined)),
    );
  } finally {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent?.once('exit', r));
      agent.kill('SIGKILL');
      await exited;
    }
    await killAll(dataDir, log).catch(() => {});
    await runCommand('ip', ['link', 'del', BRIDGE], { allowFailure: true });
    await client?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(scriptDir, { recursive: true, force: true });
    await removeBusyboxArchive();
  }
}

await main();
