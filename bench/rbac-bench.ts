/**
 * RBAC benchmark: what authorization costs a non-admin client bound by RBAC. Prints JSON.
 *   creates/s of pods, RBAC on (Node,RBAC) vs off (AlwaysAllow), same client    (goal: within 5 %)
 *   LIST of --pods pods as that client, RBAC on vs off                           (goal: within 5 %)
 *   SubjectAccessReview p50/p99 with --bindings RoleBindings present             (goal: p99 <= 1 ms)
 * Also the RBAC authorizer alone (in this process, no HTTP) at --bindings RoleBindings.
 * Usage: node --import tsx bench/rbac-bench.ts [--pods 10000] [--bindings 10000] [--seconds 8] [--reviews 3000]
 *   [--authorizer-only: only the in-process authorizer figures, no servers]
 *
 * The client is the ServiceAccount bench/bench-client with a RoleBinding to a Role that may create,
 * get, list and delete pods; it authenticates with a bound token (TokenRequest) in both modes, so
 * only authorization differs. Creates/s come from wrk (-t1 -c32, 2 s warm-up not counted) when it is
 * installed, else from a Node client. The RoleBindings (each to its own user) sit in the namespace the
 * reviews ask about, the worst case for finding the few that apply. Reviews are sent one at a time
 * by the admin over a kept-alive connection: latency, not throughput. Both servers run without
 * controllers and scheduler; traffic goes only to the servers this starts on 127.0.0.1.
 */
import { Agent } from 'node:https';
import { BENCH_NAMESPACE, BENCH_SERVICE_ACCOUNT, setUpBenchClient } from './helpers/bench-client.js';
import { type Call, caller, inParallel, must } from './helpers/https-caller.js';
import { wrkCreatePods, wrkInstalled } from './wrk/create-pods.js';
import { bootstrapPolicy, resolveAggregation } from '../src/api/rbac/index.js';
import type { Attributes } from '../src/apiserver/authz/authorizer.js';
import { RbacAuthorizer } from '../src/apiserver/authz/rbac/rbac-authorizer.js';
import { staticRbacLister } from '../src/apiserver/authz/rbac/rbac-lister.js';
import { startTestServer } from '../test/helpers/cluster.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const podCount = Number(opt('pods', '10000'));
const bindingCount = Number(opt('bindings', '10000'));
const seconds = Number(opt('seconds', '8'));
const reviewCount = Number(opt('reviews', '3000'));
const concurrency = 32;
const NS = BENCH_NAMESPACE;
const SA = BENCH_SERVICE_ACCOUNT;
const SA_USER = `system:serviceaccount:${NS}:${SA}`;

function pod(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-${i}`, labels: { app: 'bench', shard: String(i % 10) } },
    spec: {
      schedulerName: 'bench-none',
      containers: [
        {
          name: 'web',
          image: '127.0.0.1:5000/library/nginx:1.25.3',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'MODE', value: 'production' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        },
      ],
    },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor(s.length * p))].toFixed(3);
};

interface ModeFigures {
  authorizationMode: string;
  creates: { tool: string; seconds: number; perSecond: number; p50Ms?: number; p99Ms?: number; failed: number };
  /** Exactly --pods pods created by a Node client (32 in flight) for the LIST figures. */
  fill: { pods: number; seconds: number; perSecond: number; failed: number };
  listMs: { median: number; p90: number; items: number };
  reviews?: Record<string, unknown>;
}

async function measure(mode: 'AlwaysAllow' | 'Node,RBAC'): Promise<ModeFigures> {
  const server = await startTestServer({
    extraArgs: ['--disable-controllers', '--disable-scheduler', '--authorization-mode', mode],
    readyTimeoutMs: 120_000,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: server.caPem });
  try {
    const admin = caller(server, server.token, agent);
    const token = await setUpBenchClient(admin);
    const client = caller(server, token, agent);
    // The client may do its part, and nothing more, when RBAC is on.
    const probe = await client('GET', `/api/v1/namespaces/default/pods`);
    if (mode !== 'AlwaysAllow' && probe.status !== 403)
      throw new Error(`expected 403 outside ${NS}, got ${probe.status}`);

    let creates: ModeFigures['creates'];
    if (wrkInstalled()) {
      creates = wrkCreatePods({ url: server.url, token, namespace: NS, seconds, connections: concurrency });
      // Deleted until none is left, so the LIST figures are for exactly --pods pods.
      for (let left = -1; left !== 0; ) {
        await must(client, 'DELETE', `/api/v1/namespaces/${NS}/pods`, { gracePeriodSeconds: 0 });
        const listed = await must(client, 'GET', `/api/v1/namespaces/${NS}/pods?limit=1`);
        left = (JSON.parse(listed) as { items: unknown[] }).items.length;
      }
    } else {
      creates = { tool: 'none (wrk not installed; see fill)', seconds: 0, perSecond: 0, failed: 0 };
    }

    const bodies = Array.from({ length: podCount }, (_, i) => pod(i));
    const t0 = performance.now();
    const fillFailed = await inParallel(
      podCount,
      concurrency,
      async (i) => (await client('POST', `/api/v1/namespaces/${NS}/pods`, bodies[i])).status === 201,
    );
    const fillSeconds = (performance.now() - t0) / 1000;
    const fill = {
      pods: podCount,
      seconds: +fillSeconds.toFixed(2),
      perSecond: Math.round(podCount / fillSeconds),
      failed: fillFailed,
    };

    const lists: number[] = [];
    let items = 0;
    for (let i = 0; i < 15; i++) {
      const r = await client('GET', `/api/v1/namespaces/${NS}/pods`);
      if (r.status !== 200) throw new Error(`LIST as the client: ${r.status}`);
      lists.push(r.ms);
      items = (JSON.parse(r.body) as { items: unknown[] }).items.length;
    }
    const figures: ModeFigures = {
      authorizationMode: mode,
      creates,
      fill,
      listMs: { median: pct(lists, 0.5), p90: pct(lists, 0.9), items },
    };
    if (mode !== 'AlwaysAllow') figures.reviews = await reviews(admin);
    return figures;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/** --bindings RoleBindings in the namespace, then SubjectAccessReviews one at a time. */
async function reviews(admin: Call): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const failed = await inParallel(
    bindingCount,
    concurrency,
    async (i) =>
      (
        await admin('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `user-${i}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-writer' },
          subjects: [{ kind: 'User', name: `user-${i}` }],
        })
      ).status === 201,
  );
  const createSeconds = (performance.now() - t0) / 1000;
  const review = (user: string, groups: string[], verb: string, resource: string) => ({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user, groups, resourceAttributes: { namespace: NS, verb, resource } },
  });
  const cases = {
    allowedServiceAccount: review(
      SA_USER,
      ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
      'list',
      'pods',
    ),
    allowedBoundUser: review(`user-${Math.floor(bindingCount / 2)}`, ['system:authenticated'], 'get', 'pods'),
    deniedUnboundUser: review('nobody', ['system:authenticated'], 'delete', 'secrets'),
  };
  const out: Record<string, unknown> = {
    roleBindings: bindingCount,
    roleBindingsCreatedPerSecond: Math.round(bindingCount / createSeconds),
    roleBindingCreateFailures: failed,
  };
  for (const [name, body] of Object.entries(cases)) {
    const path = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
    const want = !name.startsWith('denied');
    for (let i = 0; i < Math.min(300, reviewCount); i++) await admin('POST', path, body);
    const ms: number[] = [];
    for (let i = 0; i < reviewCount; i++) {
      const r = await admin('POST', path, body);
      const allowed = (JSON.parse(r.body) as { status?: { allowed?: boolean } }).status?.allowed === true;
      if (r.status !== 201 || allowed !== want) throw new Error(`review ${name}: ${r.status} ${r.body.slice(0, 300)}`);
      ms.push(r.ms);
    }
    out[name] = { count: reviewCount, p50Ms: pct(ms, 0.5), p99Ms: pct(ms, 0.99) };
  }
  return out;
}

/**
 * The RBAC authorizer alone, in this process, over the bootstrap policy plus --bindings RoleBindings
 * in one namespace: what a decision costs without HTTP, JSON and authentication around it.
 */
function inProcessAuthorizer(): Record<string, unknown> {
  const policy = bootstrapPolicy();
  const roleBindings = Array.from({ length: bindingCount }, (_, i) => ({
    metadata: { namespace: NS, name: `user-${i}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-writer' },
    subjects: [{ kind: 'User', name: `user-${i}` }],
  }));
  const lister = staticRbacLister({
    ...policy,
    clusterRoles: resolveAggregation(policy.clusterRoles),
    roles: [
      {
        metadata: { namespace: NS, name: 'pod-writer' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'delete'] }],
      },
    ],
    roleBindings: [
      ...roleBindings,
      {
        metadata: { namespace: NS, name: SA },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-writer' },
        subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }],
      },
    ],
  });
  // Decisions are remembered until RBAC changes (what a repeated request costs); a lister without a
  // version makes every decision afresh (the first request of its kind, or after any RBAC change).
  const remembering = new RbacAuthorizer(lister);
  const { version: _unused, ...unversioned } = lister;
  const deciding = new RbacAuthorizer(unversioned);
  const ask = (name: string, groups: string[], verb: string, resource: string): Attributes => ({
    resourceRequest: true,
    user: { name, groups },
    verb,
    apiGroup: '',
    apiVersion: 'v1',
    resource,
    subresource: '',
    namespace: NS,
    name: '',
  });
  const out: Record<string, unknown> = { roleBindings: bindingCount };
  const cases = {
    allowedServiceAccountCreate: ask(
      SA_USER,
      ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
      'create',
      'pods',
    ),
    allowedBoundUser: ask(`user-${Math.floor(bindingCount / 2)}`, ['system:authenticated'], 'get', 'pods'),
    deniedUnboundUser: ask('nobody', ['system:authenticated'], 'delete', 'secrets'),
  };
  for (const [name, attributes] of Object.entries(cases)) {
    for (const [how, authorizer] of [
      ['remembered', remembering],
      ['decided', deciding],
    ] as const) {
      for (let i = 0; i < 2000; i++) authorizer.authorize(attributes);
      const us: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const t0 = performance.now();
        authorizer.authorize(attributes);
        us.push((performance.now() - t0) * 1000);
      }
      out[`${name}.${how}`] = { p50Us: pct(us, 0.5), p99Us: pct(us, 0.99) };
    }
  }
  return out;
}

async function main() {
  const authorizerAlone = inProcessAuthorizer();
  if (args.includes('--authorizer-only')) {
    console.log(JSON.stringify({ bench: 'rbac', authorizerAlone }, null, 2));
    return;
  }
  const off = await measure('AlwaysAllow');
  const on = await measure('Node,RBAC');
  const ratio = (a: number, b: number) => (b > 0 ? +(a / b).toFixed(3) : null);
  console.log(
    JSON.stringify(
      {
        bench: 'rbac',
        pods: podCount,
        client: SA_USER,
        rbacOff: off,
        rbacOn: on,
        // on/off: creates/s want >= 0.95, LIST time want <= 1.05.
        createsOnOverOff: ratio(on.creates.perSecond, off.creates.perSecond),
        fillOnOverOff: ratio(on.fill.perSecond, off.fill.perSecond),
        listOnOverOff: ratio(on.listMs.median, off.listMs.median),
        authorizerAlone,
        goals: { createsWithin: '5 %', listWithin: '5 %', subjectAccessReviewP99Ms: 1 },
      },
      null,
      2,
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
