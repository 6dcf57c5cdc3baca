/**
 * Server CPU time per request, RBAC off (AlwaysAllow) vs on (Node,RBAC): what authorization costs in
 * CPU, not wall time, so it can be compared on a loaded machine. Prints JSON.
 *   creates: --creates pod creates by the RBAC-bound ServiceAccount bench/bench-client (32 in flight)
 *   reviews: --reviews SubjectAccessReviews by the admin with --bindings RoleBindings present (RBAC on)
 * CPU is the server process's utime+stime from /proc/<pid>/stat (all threads, write workers included).
 * Usage: node --import tsx bench/rbac-cpu.ts [--creates 3000] [--reviews 3000] [--bindings 2000] [--cpu-prof DIR]
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { BENCH_NAMESPACE, setUpBenchClient } from './helpers/bench-client.js';
import { caller, inParallel } from './helpers/https-caller.js';
import { startTestServer } from '../test/helpers/cluster.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const createCount = Number(opt('creates', '3000'));
const reviewCount = Number(opt('reviews', '3000'));
const bindingCount = Number(opt('bindings', '2000'));
const profDir = opt('cpu-prof', '');
const concurrency = 32;
const NS = BENCH_NAMESPACE;
const TICK_US = 1e6 / 100; // USER_HZ

/** utime + stime of a process in microseconds. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

function pod(prefix: string, i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${prefix}-${i}`, labels: { app: 'bench' } },
    spec: {
      schedulerName: 'bench-none',
      containers: [{ name: 'web', image: '127.0.0.1:5000/library/nginx:1.25.3', ports: [{ containerPort: 8080 }] }],
    },
  };
}

async function measure(mode: 'AlwaysAllow' | 'Node,RBAC') {
  const server = await startTestServer({
    extraArgs: ['--disable-controllers', '--disable-scheduler', '--authorization-mode', mode],
    readyTimeoutMs: 120_000,
    nodeArgs: profDir
      ? ['--cpu-prof', '--cpu-prof-interval', '200', `--cpu-prof-dir=${profDir}/${mode.replace(',', '-')}`]
      : [],
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: server.caPem });
  try {
    const admin = caller(server, server.token, agent);
    const client = caller(server, await setUpBenchClient(admin), agent);
    const create = (prefix: string) => async (i: number) =>
      (await client('POST', `/api/v1/namespaces/${NS}/pods`, pod(prefix, i))).status === 201;
    await inParallel(500, concurrency, create('warm'));
    const c0 = cpuUs(server.pid);
    const failed = await inParallel(createCount, concurrency, create('p'));
    const createUs = (cpuUs(server.pid) - c0) / createCount;
    const out: Record<string, unknown> = { mode, creates: createCount, failed, cpuUsPerCreate: Math.round(createUs) };
    if (mode !== 'AlwaysAllow' && reviewCount > 0) {
      await inParallel(bindingCount, concurrency, async (i) => {
        const r = await admin('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `user-${i}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-writer' },
          subjects: [{ kind: 'User', name: `user-${i}` }],
        });
        return r.status === 201;
      });
      const body = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: `user-${Math.floor(bindingCount / 2)}`,
          groups: ['system:authenticated'],
          resourceAttributes: { namespace: NS, verb: 'get', resource: 'pods' },
        },
      };
      const path = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
      for (let i = 0; i < 300; i++) await admin('POST', path, body);
      const r0 = cpuUs(server.pid);
      const t0 = performance.now();
      for (let i = 0; i < reviewCount; i++) await admin('POST', path, body);
      out.reviews = reviewCount;
      out.cpuUsPerReview = Math.round((cpuUs(server.pid) - r0) / reviewCount);
      out.wallUsPerReview = Math.round(((performance.now() - t0) * 1000) / reviewCount);
    }
    return out;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

async function main() {
  const off = await measure('AlwaysAllow');
  const on = await measure('Node,RBAC');
  const ratio = Number(on.cpuUsPerCreate) / Number(off.cpuUsPerCreate);
  console.log(JSON.stringify({ bench: 'rbac-cpu', off, on, createCpuOnOverOff: +ratio.toFixed(3) }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
