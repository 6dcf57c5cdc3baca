/**
 * Control-plane end-to-end speed: a Deployment of R replicas on N hollow nodes. Prints JSON.
 *   A real `flotilla server` (SQLite, its own controllers and scheduler) and N hollow nodes in this
 *   process (agents with a fake runtime, joined over HTTPS with the join token, as real agents are).
 *   Timed from the Deployment's create until a watch of its pods has seen all R created, bound and
 *   Running, and until the Deployment reports R available.
 * Usage: node --import tsx bench/deployment-bench.ts [--nodes 100] [--replicas 1000] [--runs 3] [--server-prof DIR]
 *        (goal: 1,000 replicas on 100 nodes all Running within 5 s)
 * Traffic goes only to the server it starts on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startTestServer } from '../test/helpers/cluster.js';
import { hollowNodeClient } from '../test/helpers/hollow-cluster.js';
import { createClient, Informer } from '../src/machinery/client/index.js';
import type { KubeObject } from '../src/api/object.js';
import { HollowNodes } from '../src/agent/hollow/index.js';
import { DEPLOYMENTS, PODS } from '../src/machinery/resources/well-known.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const nodeCount = Number(opt('nodes', '100'));
const replicas = Number(opt('replicas', '1000'));
const runs = Number(opt('runs', '3'));
/** `--server-prof DIR` writes a CPU profile of the server process there (opens in Chrome DevTools). */
const serverProf = opt('server-prof', '');

function deployment(name: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'web', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
        },
      },
    },
  };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface RunResult {
  createdMs: number;
  scheduledMs: number;
  runningMs: number;
  availableMs: number;
}

async function main(): Promise<void> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const server = await startTestServer(serverProf ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${serverProf}`] } : {});
  const client = createClient({
    server: server.url,
    caPem: server.caPem,
    token: server.token,
    userAgent: 'bench-hollow',
  });
  const admin = createClient({ server: server.url, caPem: server.caPem, token: server.token, userAgent: 'bench' });
  const hollow = new HollowNodes({
    client,
    // Each node writes as itself (impersonated), as the default Node,RBAC requires.
    clientFor: (name) => hollowNodeClient(client, name),
    log,
    count: nodeCount,
    namePrefix: 'bench-node-',
    leaseRenewIntervalMs: 5000,
    statusSyncIntervalMs: 10_000,
    workers: 32,
  });
  const results: RunResult[] = [];
  try {
    const t0 = performance.now();
    await hollow.registerAll();
    hollow.start();
    const registerMs = Math.round(performance.now() - t0);

    for (let run = 0; run < runs; run++) {
      const name = `bench-${run}`;
      const created = new Set<string>();
      const scheduled = new Set<string>();
      const running = new Set<string>();
      const marks: Partial<RunResult> = {};
      let start = 0;
      const since = (): number => Math.round(performance.now() - start);
      const pods = new Informer(admin, PODS, { log, namespace: 'default', labelSelector: `app=${name}` });
      const note = (p: KubeObject): void => {
        if (start === 0) return;
        const uid = p.metadata.uid ?? '';
        created.add(uid);
        if ((p.spec as { nodeName?: string }).nodeName) scheduled.add(uid);
        if ((p.status as { phase?: string } | undefined)?.phase === 'Running') running.add(uid);
        if (marks.createdMs === undefined && created.size >= replicas) marks.createdMs = since();
        if (marks.scheduledMs === undefined && scheduled.size >= replicas) marks.scheduledMs = since();
        if (marks.runningMs === undefined && running.size >= replicas) marks.runningMs = since();
      };
      pods.addHandlers({ onAdd: note, onUpdate: (_old, p) => note(p) });
      pods.start();
      await pods.waitForSync();
      start = performance.now();
      await admin.create(DEPLOYMENTS, 'default', deployment(name));
      for (;;) {
        const d = await admin.get(DEPLOYMENTS, 'default', name);
        if (
          marks.availableMs === undefined &&
          (d.status as { availableReplicas?: number } | undefined)?.availableReplicas === replicas
        )
          marks.availableMs = since();
        if (marks.runningMs !== undefined && marks.availableMs !== undefined) break;
        if (since() > 120_000)
          throw new Error(
            `run ${run}: not done after 120 s: ${JSON.stringify({ created: created.size, scheduled: scheduled.size, running: running.size })}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
      await pods.stop();
      results.push(marks as RunResult);
      // Clean up before the next run so every run starts from an empty cluster.
      await admin.delete(DEPLOYMENTS, 'default', name, { propagationPolicy: 'Background' });
      for (let left = 1; left > 0; ) {
        left = (await admin.list(PODS, 'default', { labelSelector: `app=${name}`, limit: 1 })).items.length;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const pick = (k: keyof RunResult): number => median(results.map((r) => r[k]));
    console.log(
      JSON.stringify(
        {
          nodes: nodeCount,
          replicas,
          runs,
          registerNodesMs: registerMs,
          medianMs: {
            allCreated: pick('createdMs'),
            allScheduled: pick('scheduledMs'),
            allRunning: pick('runningMs'),
            deploymentAvailable: pick('availableMs'),
          },
          goalAllRunningMs: 5000,
          runsMs: results,
          serverRssMb: rssMb(server.pid),
          benchRssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
        },
        null,
        2,
      ),
    );
  } finally {
    await hollow.stop();
    await client.close();
    await admin.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
