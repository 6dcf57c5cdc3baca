/**
 * Resource metrics end to end with real containers: an in-process agent (own bridge and pod CIDR)
 * runs a busy-looping pod and an idle one holding ~8 MB (a shell variable: the shell must not exec its last command, hence the loop); the real `kubectl top pods` / `top nodes`
 * read them through metrics.k8s.io from the agent's cgroup figures. Also checks the agent's own
 * `/stats/summary`, `/metrics/resource` and `/metrics`. Runs as root; cleans up in `after`.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RunningAgent } from '../src/agent/agent.js';
import type { Summary } from '../src/agent/stats/index.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { untilWith } from './helpers/wait-until.js';

let node: RealNode | undefined;
let server: TestServer | undefined;
let agent: RunningAgent | undefined;
let NODE = '';

before(async () => {
  node = await startRealNode({
    name: 'metrics-test',
    server: { env: { FLOTILLA_METRICS_TTL_MS: '1000' } },
    agent: { proxy: false, dns: false, serverPort: 0 },
  });
  ({ server, agent, nodeName: NODE } = node);
});

after(async () => {
  await node?.stop();
});

async function kubectl(args: string[], stdin?: string): Promise<string> {
  const r = await (server as TestServer).kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const until = untilWith({ timeoutMs: 60_000, intervalMs: 500, retryErrors: true });

const pod = (name: string, script: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'metrics' } },
  spec: {
    nodeName: NODE,
    terminationGracePeriodSeconds: 1,
    containers: [
      { name: 'main', image: 'busybox', command: ['sh', '-c', script], resources: { requests: { cpu: '100m' } } },
    ],
  },
});

/** GET a path of the agent server with the admin's client certificate (the agent asks SubjectAccessReview). */
async function agentGet(path: string): Promise<string> {
  const a = agent as RunningAgent;
  const dir = join((server as TestServer).dataDir, 'tls');
  const [cert, key] = await Promise.all([
    readFile(join(dir, 'admin.crt'), 'utf8'),
    readFile(join(dir, 'admin.key'), 'utf8'),
  ]);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: a.server.port,
        path,
        ca: (server as TestServer).caPem, // the agent serves its kubelet-serving certificate from the cluster CA
        cert,
        key,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: ${res.statusCode} ${body}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `250m` -> 250, `1` -> 1000 (kubectl top prints millicores); `12Mi` -> 12. */
const num = (s: string): number =>
  s.endsWith('m') ? Number(s.slice(0, -1)) : s.endsWith('Mi') ? Number(s.slice(0, -2)) : Number(s) * 1000;

test("kubectl top pods / nodes show the containers' real usage; a busy loop shows more CPU than an idle pod", async (t) => {
  const items = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      pod('busy', 'while :; do :; done'),
      pod('idle', "x=$(head -c 8000000 /dev/zero | tr '\\0' a); while :; do sleep 3600; done"),
    ],
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(items));
  await until(
    'both pods running',
    async () =>
      (await kubectl(['get', 'pods', '-l', 'app=metrics', '--field-selector=status.phase=Running', '-o', 'name']))
        .trim()
        .split('\n').length === 2,
  );
  let lastTop = '';
  const rows = await until(
    'kubectl top pods: the busy pod at 50m or more and 5× the idle one, which holds 7Mi',
    async () => {
      const out = await kubectl(['top', 'pods', '-l', 'app=metrics']);
      lastTop = out;
      const parsed = new Map(
        out
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.trim().split(/\s+/))
          .map(([name, cpu, mem]) => [name ?? '', { cpu: num(cpu ?? ''), mem: num(mem ?? '') }]),
      );
      const busy = parsed.get('busy');
      const idle = parsed.get('idle');
      // Until the busy loop's rate shows (the kubelet's CPU rate needs two samples), the idle pod holds
      // its 8 MB, and the CPU it spent filling them has left the rate window (slow on a loaded machine).
      return busy && idle && busy.cpu >= 50 && idle.mem >= 7 && busy.cpu > idle.cpu * 5 && { out, busy, idle };
    },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last output:\n${lastTop}`);
  });
  assert.match(rows.out, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
  assert.ok(rows.busy.cpu >= 50, `busy loop at ${rows.busy.cpu}m`);
  assert.ok(rows.busy.cpu > rows.idle.cpu * 5, `busy ${rows.busy.cpu}m vs idle ${rows.idle.cpu}m`);
  assert.ok(rows.idle.mem >= 7, `idle pod holds ${rows.idle.mem}Mi`);

  const containers = await kubectl(['top', 'pod', 'busy', '--containers']);
  assert.match(containers, /^busy\s+main\s+\d+m\s+\d+Mi/m);

  const nodes = await kubectl(['top', 'nodes']);
  const line = nodes.split('\n').find((l) => l.startsWith(NODE)) ?? '';
  const [, cpu, cpuPct, mem, memPct] = line.trim().split(/\s+/);
  assert.ok(num(cpu ?? '0') >= rows.busy.cpu / 2 && num(mem ?? '0') > 0, nodes);
  assert.match(`${cpuPct} ${memPct}`, /^\d+% \d+%$/);
  t.diagnostic(`${rows.out}${line}`);

  // The same figures as the kubelet's endpoints, once the busy loop has used a whole second of CPU.
  const busy = await until('a second of CPU used by the busy loop in /stats/summary', async () => {
    const summary = JSON.parse(await agentGet('/stats/summary')) as Summary;
    const pod = summary.pods.find((p) => p.podRef.name === 'busy');
    const cpu = pod?.containers[0]?.cpu;
    return cpu?.usageNanoCores && cpu.usageCoreNanoSeconds > 1e9 ? pod : undefined;
  });
  // Pod and container cgroups are read concurrently, so the pod's figure may trail by a few ms of CPU.
  assert.ok(
    (busy.cpu?.usageCoreNanoSeconds ?? 0) >= (busy.containers[0]?.cpu?.usageCoreNanoSeconds ?? 0) * 0.95,
    'the pod cgroup includes its container',
  );
  const resource = await agentGet('/metrics/resource');
  assert.match(
    resource,
    /^container_cpu_usage_seconds_total\{container="main",namespace="default",pod="busy"\} [0-9.]+ \d+$/m,
  );
  assert.match(resource, /^node_memory_working_set_bytes \d+ \d+$/m);
  assert.match(await agentGet('/metrics'), /^flotilla_agent_running_containers 2$/m);

  // The history the dashboard graphs: asked for with ?history=true, samples 10 s apart; without it
  // the object is metrics-server's shape.
  const raw = '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy';
  assert.equal('history' in (JSON.parse(await kubectl(['get', '--raw', raw])) as object), false);
  type WithHistory = { history: { timestamps: number[]; cpuNanoCores: number[]; memoryBytes: number[] } };
  const withHistory = await until('two samples in the busy pod’s history', async () => {
    const m = JSON.parse(await kubectl(['get', '--raw', `${raw}?history=true`])) as WithHistory;
    return m.history.timestamps.length >= 2 ? m : undefined;
  });
  const h = withHistory.history;
  assert.equal(h.cpuNanoCores.length, h.timestamps.length);
  assert.ok((h.timestamps[1] ?? 0) - (h.timestamps[0] ?? 0) >= 10_000, JSON.stringify(h));
  assert.ok(h.cpuNanoCores.every((c) => c > 0) && h.memoryBytes.every((m) => m > 0), JSON.stringify(h));
  const nodeHistory = JSON.parse(
    await kubectl(['get', '--raw', `/apis/metrics.k8s.io/v1beta1/nodes/${NODE}?history=true`]),
  ) as WithHistory;
  assert.ok(nodeHistory.history.timestamps.length >= 2, JSON.stringify(nodeHistory.history));
  await kubectl(['delete', 'pods', '-l', 'app=metrics', '--wait=true', '--timeout=30s']);
});
