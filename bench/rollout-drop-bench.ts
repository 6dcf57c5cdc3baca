/**
 * Requests dropped while pods go away: steady traffic through a Service's ClusterIP during a
 * rolling update, a scale-down and a node drain. Prints one JSON object.
 *   node --import tsx bench/rollout-drop-bench.ts [--rate 150] [--nodes 2]
 *
 * `flotilla up --nodes N` runs as a child process (own data dir, port, cluster name, node subnet and
 * pod range; node 1 is the host, the others network namespaces on the bridge `<cluster>-br`). A
 * client network namespace the bench makes hangs on that bridge too and sends `rate` requests/s
 * to the ClusterIP through node 1 (half on new connections, half through a keep-alive agent:
 * test/helpers/steady-traffic.ts run inside the namespace), so node 1's proxy forwards to pods
 * on every node. The workload: a 3-replica busybox httpd Deployment (readiness probe, spread over
 * the nodes, maxSurge 1 / maxUnavailable 0) whose containers exit at once on SIGTERM. Phases:
 *   rolling-update  `kubectl rollout restart`, until every old pod is gone
 *   scale-down      3 -> 1, until two pods are gone (then back to 3: scale-up)
 *   drain           `kubectl drain` of node 2, until its pods are gone and 3 are ready elsewhere
 * Per phase: requests, failures by kind (refused, reset, timeout, status, other), duration.
 * busybox httpd closes each connection after its answer, so the keep-alive half mostly opens new
 * ones too (reusedSockets counts the reuses).
 * Removes the deployment, `up` (SIGINT, then `flotilla killall`), the namespaces, links and data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { flotillaCommand, kubectl, REPO_ROOT, type KubectlResult } from '../test/helpers/cluster.js';
import { summarize, type TrafficRecord } from '../test/helpers/steady-traffic.js';
import { untilWith } from '../test/helpers/wait-until.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RATE = arg('rate', 150);
const NODES = Math.max(2, arg('nodes', 2));
const hex = Math.floor(Math.random() * 0xffffff)
  .toString(16)
  .padStart(6, '0');
const CLUSTER = `flt${hex}`;
const NODE_NET = `10.46.${Math.floor(Math.random() * 250) + 1}`;
const POD_NET = `10.42.${200 + Math.floor(Math.random() * 50)}`;
const HOST_IP = `${NODE_NET}.1`;
const CLIENT_IP = `${NODE_NET}.250`;
const CLIENT_NS = `${CLUSTER}-cl`;
const CLIENT_HOST_VETH = `${CLUSTER}-ch`;
const CLIENT_VETH = `${CLUSTER}-cc`;

let dir = '';
let up: ChildProcess | undefined;
let out = '';

const k = (args: string[], stdin?: string): Promise<KubectlResult> =>
  kubectl(args, { kubeconfig: join(dir, 'kubeconfig.yaml'), stdin });
const until = untilWith({ timeoutMs: 180_000, intervalMs: 250, retryErrors: true, describe: () => out.slice(-2000) });

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k(args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await runCommand(cmd, args, { allowFailure: true });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

// The shell exits at once on SIGTERM and takes httpd with it: no graceful shutdown hides a pod
// that still gets new connections when it is signalled.
const SCRIPT = [
  'mkdir /www',
  'hostname > /www/index.html',
  'trap "exit 0" TERM',
  'httpd -p 8080 -h /www',
  'while true; do sleep 1 & wait $!; done',
].join('; ');

function manifest(): string {
  const selector = { matchLabels: { app: 'web' } };
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 3,
          selector,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 10,
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
                  command: ['sh', '-c', SCRIPT],
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    ],
  });
}

interface WebPod {
  name: string;
  node: string;
  ready: boolean;
  deleting: boolean;
}

async function webPods(): Promise<WebPod[]> {
  const list = JSON.parse(await ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as {
    items: {
      metadata: { name: string; deletionTimestamp?: string };
      spec: { nodeName?: string };
      status?: { conditions?: { type: string; status: string }[] };
    }[];
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    node: p.spec.nodeName ?? '',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    deleting: p.metadata.deletionTimestamp !== undefined,
  }));
}

/** Resolves once exactly `n` web pods exist, all ready, none of them in `gone`, and `also` holds for them. */
const settled = (n: number, gone: string[] = [], also: (p: WebPod[]) => boolean = () => true) =>
  until(`${n} ready web pods`, async () => {
    const ps = await webPods();
    return (ps.length === n && ps.every((p) => p.ready && !gone.includes(p.name)) && also(ps)) || undefined;
  });

async function startUp(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-rollout-drop-'));
  up = spawn(
    process.execPath,
    [
      ...flotillaCommand(),
      'up',
      '--nodes',
      String(NODES),
      '--cluster-name',
      CLUSTER,
      '--node-subnet',
      `${NODE_NET}.0/24`,
      '--data-dir',
      dir,
      '--port',
      '0',
      '--bind-address',
      HOST_IP,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLOTILLA_CLUSTER_CIDR: `${POD_NET}.0/24`, FLOTILLA_NODE_CIDR_MASK_SIZE: '26' },
    },
  );
  up.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  up.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const nodes = Array.from({ length: NODES - 1 }, (_, i) => `${CLUSTER}-node${i + 2}`);
  await until('the extra nodes running', () => {
    if (up?.exitCode !== null) throw new Error(`flotilla up exited: ${out.slice(-2000)}`);
    return nodes.every((n) => new RegExp(`node ${n} running`).test(out)) || undefined;
  });
  await until('every node Ready', async () => {
    const r = await k(['get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
    const s = r.stdout.trim().split(/\s+/);
    return (s.length === NODES && s.every((x) => x === 'True')) || undefined;
  });
}

async function makeClientNetns(): Promise<void> {
  await sh('ip', ['netns', 'add', CLIENT_NS]);
  await sh('ip', ['link', 'add', CLIENT_HOST_VETH, 'type', 'veth', 'peer', 'name', CLIENT_VETH, 'netns', CLIENT_NS]);
  await sh('ip', ['link', 'set', CLIENT_HOST_VETH, 'master', `${CLUSTER}-br`, 'up']);
  await sh('ip', ['-n', CLIENT_NS, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', CLIENT_VETH]);
  await sh('ip', ['-n', CLIENT_NS, 'link', 'set', CLIENT_VETH, 'up']);
  await sh('ip', ['-n', CLIENT_NS, 'link', 'set', 'lo', 'up']);
  // Services through node 1, as an outside client whose gateway is a node.
  await sh('ip', ['-n', CLIENT_NS, 'route', 'add', '10.43.0.0/16', 'via', HOST_IP]);
}

/** The traffic client inside the namespace: started, then stop() returns its record. */
async function startClient(url: string): Promise<{ stop(): Promise<TrafficRecord> }> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      CLIENT_NS,
      process.execPath,
      '--import',
      'tsx',
      join(REPO_ROOT, 'test', 'helpers', 'steady-traffic.ts'),
      url,
      String(RATE),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], cwd: REPO_ROOT },
  );
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (text += c));
  await until('the traffic client to start', () => {
    if (child.exitCode !== null) throw new Error(`traffic client exited ${child.exitCode}`);
    return text.includes('traffic started') || undefined;
  });
  return {
    async stop() {
      child.stdin?.end('stop\n');
      await until('the traffic record', () => (child.exitCode !== null ? true : undefined));
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (!line) throw new Error(`no record from the traffic client: ${text}`);
      return JSON.parse(line) as TrafficRecord;
    },
  };
}

async function cleanUp(): Promise<void> {
  if (dir) await k(['delete', 'deployment', 'web', '--wait=false']).catch(() => undefined);
  if (up && up.exitCode === null && up.signalCode === null) {
    const child = up;
    child.kill('SIGINT');
    await until('flotilla up to exit', () => child.exitCode !== null || child.signalCode !== null || undefined, {
      timeoutMs: 60_000,
    }).catch(() => child.kill('SIGKILL'));
  }
  if (dir)
    await runCommand(process.execPath, [...flotillaCommand(), 'killall', '--data-dir', dir], { allowFailure: true });
  await runCommand('ip', ['netns', 'del', CLIENT_NS], { allowFailure: true });
  for (let i = 2; i <= NODES; i++)
    await runCommand('ip', ['netns', 'del', `${CLUSTER}-node${i}`], { allowFailure: true });
  for (const link of [
    CLIENT_HOST_VETH,
    `${CLUSTER}-br`,
    `${CLUSTER}0`,
    ...Array.from({ length: NODES - 1 }, (_, i) => `${CLUSTER}-v${i + 2}`),
  ])
    await runCommand('ip', ['link', 'del', link], { allowFailure: true });
  if (dir) await rm(dir, { recursive: true, force: true });
}

interface Phase {
  name: string;
  from: number;
  to: number;
  note?: string;
}

async function main(): Promise<void> {
  await startUp();
  await makeClientNetns();
  await ok(['apply', '-f', '-'], manifest());
  await ok(['rollout', 'status', 'deployment/web', '--timeout=180s']);
  await settled(3);
  const clusterIP = (await ok(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const url = `http://${clusterIP}/`;
  await until('the ClusterIP to answer from the client namespace', async () => {
    const r = await runCommand('ip', ['netns', 'exec', CLIENT_NS, 'busybox', 'wget', '-qO-', url], {
      allowFailure: true,
    });
    return r.code === 0 || undefined;
  });

  const client = await startClient(url);
  const phases: Phase[] = [];
  const phase = async (name: string, run: () => Promise<string | undefined>) => {
    await new Promise((r) => setTimeout(r, 2000)); // steady traffic before each phase
    const from = Date.now();
    const note = await run();
    phases.push({ name, from, to: Date.now(), ...(note ? { note } : {}) });
  };
  let record: TrafficRecord | undefined;
  try {
    await phase('rolling-update', async () => {
      const old = (await webPods()).map((p) => p.name);
      await ok(['rollout', 'restart', 'deployment/web']);
      await ok(['rollout', 'status', 'deployment/web', '--timeout=180s']);
      await settled(3, old);
      return undefined;
    });
    await phase('scale-down', async () => {
      await ok(['scale', 'deployment/web', '--replicas=1']);
      await settled(1);
      return undefined;
    });
    await phase('scale-up', async () => {
      await ok(['scale', 'deployment/web', '--replicas=3']);
      await settled(3);
      return undefined;
    });
    const node2 = `${CLUSTER}-node2`;
    await phase('drain', async () => {
      const onNode = (await webPods()).filter((p) => p.node === node2).map((p) => p.name);
      await ok(['drain', node2, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s']);
      await settled(3, onNode, (ps) => ps.every((p) => p.node !== node2));
      return `${onNode.length} of 3 pods were on ${node2}`;
    });
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    record = await client.stop();
  }
  const byPhase = Object.fromEntries(
    phases.map((p) => [
      p.name,
      { durationMs: p.to - p.from, ...summarize(record, p.from, p.to), ...(p.note ? { note: p.note } : {}) },
    ]),
  );
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'rollout-drop',
        rate: RATE,
        nodes: NODES,
        phases: byPhase,
        total: summarize(record),
        reusedSockets: record.reusedSockets,
        failureSample: record.failures.slice(0, 10),
      },
      null,
      2,
    )}\n`,
  );
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
