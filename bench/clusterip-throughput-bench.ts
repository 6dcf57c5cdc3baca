/**
 * Throughput through a ClusterIP divided by throughput straight to the pod IP (goal >= 0.9).
 * Prints one JSON object.
 *   node --import tsx bench/clusterip-throughput-bench.ts [--seconds 5] [--rounds 5]
 *
 * A `flotilla server` (child process, 127.0.0.1) and an in-process agent (own bridge, random
 * 10.42.2xx.0/24, its own proxy table) run one busybox httpd pod behind a ClusterIP Service. wrk
 * runs in a client network namespace joined to the host by a veth (the client is routed through
 * the node like a pod on another node or an outside client): once to podIP:8080 and once to
 * clusterIP:80, alternating, `rounds` times each, for two loads:
 *   small: GET of a 2-byte file (busybox httpd closes each connection: every request is a new
 *          connection, so each one pays the conntrack + DNAT set-up);
 *   large: GET of a 4 MiB file (bytes/s through the established flow).
 * The best round of each side is compared (the machine is shared; the best is the least disturbed);
 * pairRatios gives each round's ClusterIP/pod ratio; `met` uses their median (robust to a
 * disturbed round, which on a shared host can move one run several-fold).
 * Removes the netns, veth, routes, table, bridge and containers at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RunningAgent } from '../src/agent/agent.js';
import { startNode } from '../src/server/start-node.js';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { deleteTable } from '../src/proxy/index.js';
import { busyboxArchive, removeBusyboxArchive } from '../test/fixtures/images/busybox.js';
import { startTestServer, type TestServer } from '../test/helpers/cluster.js';
import { untilWith } from '../test/helpers/wait-until.js';
import { issueClientCertificate } from '../test/helpers/real-node.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 5);
const ROUNDS = arg('rounds', 5);
const hex = Math.floor(Math.random() * 0xffff)
  .toString(16)
  .padStart(4, '0');
const R = 100 + Math.floor(Math.random() * 100);
const BRIDGE = `flb${hex}`;
const NETNS = `flt-tp-${hex}`;
const VETH_HOST = `fth${hex}`;
const VETH_CLIENT = `ftc${hex}`;
const NODE_IP = `10.79.${R}.1`;
const CLIENT_IP = `10.79.${R}.2`;
const POD_CIDR = `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`;
const log = pino({ level: 'silent' });

async function sh(cmd: string, args: string[]): Promise<string> {
  const r = await runCommand(cmd, args, { allowFailure: true });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** wrk's own summary: requests/s and transfer bytes/s. */
async function wrk(url: string, connections: number): Promise<{ rps: number; bytesPerS: number; errors: number }> {
  const out = await sh('ip', ['netns', 'exec', NETNS, 'wrk', '-t2', `-c${connections}`, `-d${SECONDS}s`, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const m = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(m?.[2] ?? 'B') as 'B'];
  const errors =
    Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) +
    Number(/Socket errors:.*?(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, bytesPerS: Number(m?.[1] ?? 0) * unit, errors };
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return Number((s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2).toFixed(3));
}

const until = untilWith({ timeoutMs: 60_000, intervalMs: 200, retryErrors: true });

let server: TestServer | undefined;
let client: KubeClient | undefined;
let agent: RunningAgent | undefined;
const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-tp-'));
try {
  await sh('ip', ['netns', 'add', NETNS]);
  await sh('ip', ['link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_CLIENT, 'netns', NETNS]);
  await sh('ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', VETH_HOST]);
  await sh('ip', ['link', 'set', VETH_HOST, 'up']);
  await sh('ip', ['-n', NETNS, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', VETH_CLIENT]);
  await sh('ip', ['-n', NETNS, 'link', 'set', VETH_CLIENT, 'up']);
  await sh('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
  server = await startTestServer();
  // The agent's identity under the default Node,RBAC: its node (a certificate from the cluster CA).
  client = createClient({
    server: server.url,
    caPem: server.caPem,
    clientCert: await issueClientCertificate(server.dataDir, `CN=system:node:tp-${hex}, O=system:nodes`),
  });
  agent = await startNode({
    client,
    dataDir,
    nodeName: `tp-${hex}`,
    nodeIP: NODE_IP,
    log,
    bridge: BRIDGE,
    podCIDR: POD_CIDR,
    blackholeRoutes: [],
    serverPort: 0,
    dns: false,
    nodeRoutes: false,
  });
  await agent.images.importArchive(await busyboxArchive());
  const cmd = 'mkdir /www; echo ok > /www/small; head -c 4194304 /dev/zero > /www/large; exec httpd -f -p 8080 -h /www';
  const manifest = `
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: default, labels: { app: web } }
spec:
  nodeName: tp-${hex}
  terminationGracePeriodSeconds: 0
  containers: [{ name: httpd, image: busybox, command: ['sh', '-c', ${JSON.stringify(cmd)}], ports: [{ containerPort: 8080 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
`;
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: manifest });
  if (applied.code !== 0) throw new Error(applied.stderr);
  const podIP = await until(
    'the pod IP',
    async () =>
      (await server?.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}']))?.stdout.trim() || undefined,
  );
  const clusterIP = (await server.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
  // The client reaches the pod range and the ClusterIP through the node.
  await sh('ip', ['-n', NETNS, 'route', 'add', POD_CIDR, 'via', NODE_IP]);
  await sh('ip', ['-n', NETNS, 'route', 'add', `${clusterIP}/32`, 'via', NODE_IP]);
  await until('the ClusterIP answering from the client namespace', async () =>
    (
      await runCommand('ip', ['netns', 'exec', NETNS, 'curl', '-sf', '--max-time', '2', `http://${clusterIP}/small`], {
        allowFailure: true,
      })
    ).code === 0
      ? true
      : undefined,
  );
  await until('the pod answering from the client namespace', async () =>
    (
      await runCommand('ip', ['netns', 'exec', NETNS, 'curl', '-sf', '--max-time', '2', `http://${podIP}:8080/small`], {
        allowFailure: true,
      })
    ).code === 0
      ? true
      : undefined,
  );

  const loads = { small: { path: '/small', connections: 16 }, large: { path: '/large', connections: 4 } };
  const results: Record<string, unknown> = {};
  for (const [name, l] of Object.entries(loads)) {
    const pod: Awaited<ReturnType<typeof wrk>>[] = [];
    const svc: Awaited<ReturnType<typeof wrk>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      pod.push(await wrk(`http://${podIP}:8080${l.path}`, l.connections));
      svc.push(await wrk(`http://${clusterIP}${l.path}`, l.connections));
    }
    const best = (a: typeof pod, k: 'rps' | 'bytesPerS') => Math.max(...a.map((x) => x[k]));
    const key = name === 'small' ? 'rps' : 'bytesPerS';
    results[name] = {
      connections: l.connections,
      podIP: { [key]: pod.map((x) => Math.round(x[key])), errors: pod.reduce((s, x) => s + x.errors, 0) },
      clusterIP: { [key]: svc.map((x) => Math.round(x[key])), errors: svc.reduce((s, x) => s + x.errors, 0) },
      ratio: Number((best(svc, key) / best(pod, key)).toFixed(3)),
      // Each ClusterIP run right after its pod-IP run: less exposed to load that comes and goes.
      pairRatios: svc.map((x, i) => Number((x[key] / (pod[i]?.[key] || 1)).toFixed(3))),
      medianPairRatio: median(svc.map((x, i) => x[key] / (pod[i]?.[key] || 1))),
    };
  }
  const ratios = Object.values(results).map((r) => (r as { medianPairRatio: number }).medianPairRatio);
  console.log(
    JSON.stringify(
      {
        bench: 'clusterip-throughput',
        client: 'wrk -t2 in a netns routed through the node',
        server: 'busybox httpd (1 pod)',
        secondsPerRun: SECONDS,
        rounds: ROUNDS,
        ...results,
        goalRatio: 0.9,
        met: ratios.every((r) => r >= 0.9),
        loadAvg: (await sh('cat', ['/proc/loadavg'])).split(' ').slice(0, 3).join(' '),
      },
      null,
      2,
    ),
  );
} finally {
  await agent?.stop().catch(() => undefined);
  await deleteTable(`flotilla-proxy-${BRIDGE}`);
  await agent?.runtime.destroyAll().catch(() => undefined);
  await agent?.network.removeBridge().catch(() => undefined);
  await runCommand('ip', ['link', 'del', VETH_HOST], { allowFailure: true });
  await runCommand('ip', ['netns', 'del', NETNS], { allowFailure: true });
  await client?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await removeBusyboxArchive();
}
