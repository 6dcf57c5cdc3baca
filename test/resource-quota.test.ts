/**
 * ResourceQuota and LimitRange through the real kubectl, as Kubernetes' own e2e tests exercise
 * them (test/e2e/apimachinery/resource_quota.go, test/e2e/scheduling/limit_range.go): status.used
 * calculated and released, object counts, compute, scopes, storage, the 403 texts, racing
 * creates, LimitRange defaults applied to a new pod and min/max refused. A server without nodes:
 * pods stay Pending, which is all quota needs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../src/machinery/client/index.js';
import type { KubeClient } from '../src/machinery/client/kube-client.js';
import { CONFIG_MAPS } from '../src/machinery/resources/well-known.js';
import { startTestServer, type KubectlResult, type TestServer } from './helpers/cluster.js';
import { until } from './helpers/wait-until.js';
import { ok } from './helpers/kubectl.js';

let server: TestServer;
let client: KubeClient;

before(async () => {
  server = await startTestServer({ readyTimeoutMs: 60_000 });
  client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
});
after(async () => {
  await client?.close();
  await server?.stop();
});

function refused(r: KubectlResult): string {
  assert.notEqual(r.code, 0, `kubectl should have failed: ${r.stdout}`);
  return r.stderr.trim();
}

const apply = (yaml: string) => server.kubectl(['apply', '-f', '-'], { stdin: yaml });

/**
 * A new namespace, once its controllers have filled it (the `default` ServiceAccount and the
 * kube-root-ca.crt ConfigMap), so that object counts taken by a test do not change under it.
 */
async function namespace(name: string): Promise<string> {
  ok(await server.kubectl(['create', 'namespace', name]));
  await until(
    `namespace ${name} filled by its controllers`,
    async () =>
      (await server.kubectl(['get', 'serviceaccount', 'default', '-n', name])).code === 0 &&
      (await server.kubectl(['get', 'configmap', 'kube-root-ca.crt', '-n', name])).code === 0,
    { timeoutMs: 20_000 },
  );
  return name;
}

type Status = { hard?: Record<string, string>; used?: Record<string, string> };

async function quotaStatus(ns: string, name: string): Promise<Status> {
  const out = ok(await server.kubectl(['get', 'resourcequota', name, '-n', ns, '-o', 'json']));
  return (JSON.parse(out) as { status?: Status }).status ?? {};
}

/** Waits until the quota's status.used equals `used` (the controller or admission wrote it). */
async function usedBecomes(ns: string, name: string, used: Record<string, string>): Promise<void> {
  let last: Status = {};
  await until(
    `quota ${ns}/${name} used ${JSON.stringify(used)}`,
    async () => {
      last = await quotaStatus(ns, name);
      return JSON.stringify(last.used) === JSON.stringify(used);
    },
    { timeoutMs: 20_000, describe: () => JSON.stringify(last) },
  );
}

const pod = (name: string, resources = '', extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  ${extra}
  containers:
  - name: c
    image: busybox
    ${resources}
`;

const quota = (name: string, hard: Record<string, string>, extra = '') => `apiVersion: v1
kind: ResourceQuota
metadata: {name: ${name}}
spec:
  hard:
${Object.entries(hard)
  .map(([k, v]) => `    ${k}: "${v}"`)
  .join('\n')}
  ${extra}
`;

test('object counts: status.used is calculated, a create over the quota is 403, a delete releases', async () => {
  const ns = await namespace('quota-counts');
  const existing = JSON.parse(ok(await server.kubectl(['get', 'configmaps', '-n', ns, '-o', 'json']))).items.length;
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('q', { configmaps: String(existing + 1), secrets: '10' }),
    }),
  );
  await usedBecomes(ns, 'q', { configmaps: String(existing), secrets: '0' });
  assert.deepEqual((await quotaStatus(ns, 'q')).hard, { configmaps: String(existing + 1), secrets: '10' });

  ok(await server.kubectl(['create', 'configmap', 'one', '-n', ns]));
  await usedBecomes(ns, 'q', { configmaps: String(existing + 1), secrets: '0' });
  const n = existing + 1;
  assert.equal(
    refused(await server.kubectl(['create', 'configmap', 'two', '-n', ns])),
    `error: failed to create configmap: configmaps "two" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=${n}, limited: configmaps=${n}`,
  );
  // A dry run is checked, not charged.
  refused(await server.kubectl(['create', 'configmap', 'three', '-n', ns, '--dry-run=server']));

  const table = ok(await server.kubectl(['get', 'quota', '-n', ns]));
  assert.match(table.split('\n')[0], /^NAME\s+AGE\s+REQUEST\s+LIMIT\s*$/);
  assert.match(table, new RegExp(`q\\s+\\S+\\s+configmaps: ${n}/${n}, secrets: 0/10\\s*\\n`));
  const described = ok(await server.kubectl(['describe', 'quota', 'q', '-n', ns]));
  assert.match(described, /Resource\s+Used\s+Hard/);
  assert.match(described, new RegExp(`configmaps\\s+${n}\\s+${n}`));

  ok(await server.kubectl(['delete', 'configmap', 'one', '-n', ns]));
  await usedBecomes(ns, 'q', { configmaps: String(existing), secrets: '0' });
  ok(await server.kubectl(['create', 'configmap', 'two', '-n', ns]));
});

test('object counts of any resource: count/deployments.apps and the quota of quotas', async () => {
  const ns = await namespace('quota-count-any');
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('q', { 'count/deployments.apps': '1', resourcequotas: '1' }),
    }),
  );
  await usedBecomes(ns, 'q', { 'count/deployments.apps': '0', resourcequotas: '1' });
  ok(await server.kubectl(['create', 'deployment', 'web', '--image=busybox', '-n', ns]));
  assert.match(
    refused(await server.kubectl(['create', 'deployment', 'web2', '--image=busybox', '-n', ns])),
    /deployments\.apps "web2" is forbidden: exceeded quota: q, requested: count\/deployments\.apps=1, used: count\/deployments\.apps=1, limited: count\/deployments\.apps=1/,
  );
  assert.match(
    refused(await server.kubectl(['apply', '-n', ns, '-f', '-'], { stdin: quota('q2', { pods: '1' }) })),
    /resourcequotas "q2" is forbidden: exceeded quota: q, requested: resourcequotas=1, used: resourcequotas=1, limited: resourcequotas=1/,
  );
});

test("compute: pods must request quota'd resources; requests and limits add up and are released", async () => {
  const ns = await namespace('quota-compute');
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('compute', {
        pods: '2',
        'requests.cpu': '1',
        'requests.memory': '1Gi',
        'limits.cpu': '2',
        'limits.memory': '2Gi',
      }),
    }),
  );
  await usedBecomes(ns, 'compute', {
    'limits.cpu': '0',
    'limits.memory': '0',
    pods: '0',
    'requests.cpu': '0',
    'requests.memory': '0',
  });
  assert.match(
    refused(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('bare') })),
    /pods "bare" is forbidden: failed quota: compute: must specify limits\.cpu for: c; limits\.memory for: c; requests\.cpu for: c; requests\.memory for: c/,
  );
  const resources = (cpu: string, mem: string) =>
    `resources: {requests: {cpu: "${cpu}", memory: "${mem}"}, limits: {cpu: "${cpu}", memory: "${mem}"}}`;
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('a', resources('500m', '256Mi')) }));
  await usedBecomes(ns, 'compute', {
    'limits.cpu': '500m',
    'limits.memory': '256Mi',
    pods: '1',
    'requests.cpu': '500m',
    'requests.memory': '256Mi',
  });
  assert.match(
    refused(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('b', resources('600m', '256Mi')) })),
    /pods "b" is forbidden: exceeded quota: compute, requested: requests\.cpu=600m, used: requests\.cpu=500m, limited: requests\.cpu=1$/,
  );
  const table = ok(await server.kubectl(['get', 'quota', 'compute', '-n', ns]));
  assert.match(
    table,
    /pods: 1\/2, requests\.cpu: 500m\/1, requests\.memory: 256Mi\/1Gi\s+limits\.cpu: 500m\/2, limits\.memory: 256Mi\/2Gi/,
  );
  ok(await server.kubectl(['delete', 'pod', 'a', '-n', ns, '--grace-period=0', '--force']));
  await usedBecomes(ns, 'compute', {
    'limits.cpu': '0',
    'limits.memory': '0',
    pods: '0',
    'requests.cpu': '0',
    'requests.memory': '0',
  });
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('b', resources('600m', '256Mi')) }));
});

test("services: node ports and load balancers are quota'd resources of their own", async () => {
  const ns = await namespace('quota-services');
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('q', { services: '3', 'services.nodeports': '1', 'services.loadbalancers': '0' }),
    }),
  );
  await usedBecomes(ns, 'q', { services: '0', 'services.loadbalancers': '0', 'services.nodeports': '0' });
  ok(await server.kubectl(['create', 'service', 'clusterip', 'a', '--tcp=80:80', '-n', ns]));
  ok(await server.kubectl(['create', 'service', 'nodeport', 'b', '--tcp=80:80', '-n', ns]));
  assert.match(
    refused(await server.kubectl(['create', 'service', 'nodeport', 'c', '--tcp=80:80', '-n', ns])),
    /services "c" is forbidden: exceeded quota: q, requested: services\.nodeports=1, used: services\.nodeports=1, limited: services\.nodeports=1$/,
  );
  assert.match(
    refused(await server.kubectl(['create', 'service', 'loadbalancer', 'd', '--tcp=80:80', '-n', ns])),
    /services "d" is forbidden: exceeded quota: q, requested: services\.loadbalancers=1,services\.nodeports=1, used: services\.loadbalancers=0,services\.nodeports=1, limited: services\.loadbalancers=0,services\.nodeports=1$/,
  );
  await usedBecomes(ns, 'q', { services: '2', 'services.loadbalancers': '0', 'services.nodeports': '1' });
  ok(await server.kubectl(['delete', 'service', 'b', '-n', ns]));
  await usedBecomes(ns, 'q', { services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' });
});

test('extended resources: requests.<name> counts what pods request', async () => {
  const ns = await namespace('quota-extended');
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('dongles', { 'requests.example.com/dongle': '3' }),
    }),
  );
  await usedBecomes(ns, 'dongles', { 'requests.example.com/dongle': '0' });
  const dongles = (n: number) =>
    `resources: {requests: {example.com/dongle: "${n}"}, limits: {example.com/dongle: "${n}"}}`;
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('a', dongles(2)) }));
  await usedBecomes(ns, 'dongles', { 'requests.example.com/dongle': '2' });
  assert.match(
    refused(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('b', dongles(2)) })),
    /exceeded quota: dongles, requested: requests\.example\.com\/dongle=2, used: requests\.example\.com\/dongle=2, limited: requests\.example\.com\/dongle=3$/,
  );
});

test('scopes: BestEffort, NotBestEffort and Terminating quotas count only their pods', async () => {
  const ns = await namespace('quota-scopes');
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('best-effort', { pods: '1' }, 'scopes: [BestEffort]'),
    }),
  );
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('not-best-effort', { pods: '1' }, 'scopes: [NotBestEffort]'),
    }),
  );
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('terminating', { pods: '1' }, 'scopes: [Terminating]'),
    }),
  );
  for (const q of ['best-effort', 'not-best-effort', 'terminating']) await usedBecomes(ns, q, { pods: '0' });
  const burstable = 'resources: {requests: {cpu: "100m"}}';

  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('be-1') }));
  await usedBecomes(ns, 'best-effort', { pods: '1' });
  assert.match(
    refused(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('be-2') })),
    /exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1/,
  );
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('nbe-1', burstable) }));
  await usedBecomes(ns, 'not-best-effort', { pods: '1' });
  assert.deepEqual((await quotaStatus(ns, 'best-effort')).used, { pods: '1' });
  assert.match(
    refused(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('nbe-2', burstable) })),
    /exceeded quota: not-best-effort/,
  );
  assert.deepEqual((await quotaStatus(ns, 'terminating')).used, { pods: '0' });

  ok(await server.kubectl(['delete', 'pod', 'be-1', '-n', ns, '--grace-period=0', '--force']));
  await usedBecomes(ns, 'best-effort', { pods: '0' });
  // A best-effort pod with a deadline is in both the BestEffort and the Terminating scope.
  ok(
    await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('term-1', '', 'activeDeadlineSeconds: 3600') }),
  );
  await usedBecomes(ns, 'terminating', { pods: '1' });
  await usedBecomes(ns, 'best-effort', { pods: '1' });
});

test('PriorityClass scope selector: only pods of the selected classes are counted', async () => {
  const ns = await namespace('quota-priority');
  ok(
    await apply(`apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: quota-high}
value: 1000
`),
  );
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota(
        'high',
        { pods: '1' },
        'scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In, values: [quota-high]}]}',
      ),
    }),
  );
  await usedBecomes(ns, 'high', { pods: '0' });
  ok(
    await server.kubectl(['create', '-n', ns, '-f', '-'], {
      stdin: pod('high-1', '', 'priorityClassName: quota-high'),
    }),
  );
  await usedBecomes(ns, 'high', { pods: '1' });
  assert.match(
    refused(
      await server.kubectl(['create', '-n', ns, '-f', '-'], {
        stdin: pod('high-2', '', 'priorityClassName: quota-high'),
      }),
    ),
    /pods "high-2" is forbidden: exceeded quota: high, requested: pods=1, used: pods=1, limited: pods=1$/,
  );
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('plain') }));
  assert.deepEqual((await quotaStatus(ns, 'high')).used, { pods: '1' });
});

test('storage: requests.storage and per StorageClass quotas', async () => {
  const ns = await namespace('quota-storage');
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: quota('storage', {
        persistentvolumeclaims: '5',
        'requests.storage': '3Gi',
        'gold.storageclass.storage.k8s.io/requests.storage': '1Gi',
      }),
    }),
  );
  await usedBecomes(ns, 'storage', {
    'gold.storageclass.storage.k8s.io/requests.storage': '0',
    persistentvolumeclaims: '0',
    'requests.storage': '0',
  });
  const claim = (name: string, size: string, cls: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec:
  storageClassName: ${cls}
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: ${size}}}
`;
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: claim('gold-1', '1Gi', 'gold') }));
  assert.match(
    refused(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: claim('gold-2', '1Gi', 'gold') })),
    /persistentvolumeclaims "gold-2" is forbidden: exceeded quota: storage, requested: gold\.storageclass\.storage\.k8s\.io\/requests\.storage=1Gi, used: gold\.storageclass\.storage\.k8s\.io\/requests\.storage=1Gi, limited: gold\.storageclass\.storage\.k8s\.io\/requests\.storage=1Gi/,
  );
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: claim('silver-1', '2Gi', 'silver') }));
  await usedBecomes(ns, 'storage', {
    'gold.storageclass.storage.k8s.io/requests.storage': '1Gi',
    persistentvolumeclaims: '2',
    'requests.storage': '3Gi',
  });
  assert.match(
    refused(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: claim('silver-2', '1Mi', 'silver') })),
    /exceeded quota: storage, requested: requests\.storage=1Mi, used: requests\.storage=3Gi, limited: requests\.storage=3Gi/,
  );
});

test('creates racing for the last units: exactly as many pass as the quota allows', async () => {
  const ns = await namespace('quota-race');
  const existing = JSON.parse(ok(await server.kubectl(['get', 'configmaps', '-n', ns, '-o', 'json']))).items.length;
  ok(await server.kubectl(['apply', '-n', ns, '-f', '-'], { stdin: quota('q', { configmaps: String(existing + 5) }) }));
  await usedBecomes(ns, 'q', { configmaps: String(existing) });
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) =>
      client.create(CONFIG_MAPS, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `race-${i}` } }),
    ),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
  for (const r of results)
    if (r.status === 'rejected') assert.match(String(r.reason), /exceeded quota: q, requested: configmaps=1/);
  const stored = JSON.parse(ok(await server.kubectl(['get', 'configmaps', '-n', ns, '-o', 'json']))).items.length;
  assert.equal(stored, existing + 5);
  assert.deepEqual((await quotaStatus(ns, 'q')).used, { configmaps: String(existing + 5) });
});

test('LimitRange: defaults applied to a new pod, min and max refused in Kubernetes words', async () => {
  const ns = await namespace('limits');
  ok(
    await server.kubectl(['apply', '-n', ns, '-f', '-'], {
      stdin: `apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Container
    min: {cpu: 50m, memory: 32Mi}
    max: {cpu: "1", memory: 512Mi}
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 64Mi}
    maxLimitRequestRatio: {cpu: "10"}
  - type: Pod
    max: {cpu: "2"}
`,
    }),
  );
  ok(await server.kubectl(['create', '-n', ns, '-f', '-'], { stdin: pod('defaulted') }));
  const created = JSON.parse(ok(await server.kubectl(['get', 'pod', 'defaulted', '-n', ns, '-o', 'json'])));
  assert.deepEqual(created.spec.containers[0].resources, {
    requests: { cpu: '100m', memory: '64Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
  });
  assert.equal(
    created.metadata.annotations['kubernetes.io/limit-ranger'],
    'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c',
  );
  // Kubernetes validates after defaulting: a request above the default limit is invalid.
  assert.match(
    refused(
      await server.kubectl(['create', '-n', ns, '-f', '-'], {
        stdin: pod('over-default', 'resources: {requests: {cpu: 700m}}'),
      }),
    ),
    /Pod "over-default" is invalid: spec\.containers\[0\]\.resources\.requests(\[cpu\])?: Invalid value: "700m": must be less than or equal to cpu limit of 500m/,
  );
  assert.match(
    refused(
      await server.kubectl(['create', '-n', ns, '-f', '-'], {
        stdin: pod('too-big', 'resources: {limits: {cpu: "2"}}'),
      }),
    ),
    /pods "too-big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/,
  );
  assert.match(
    refused(
      await server.kubectl(['create', '-n', ns, '-f', '-'], {
        stdin: pod('too-small', 'resources: {requests: {cpu: 10m}}'),
      }),
    ),
    /pods "too-small" is forbidden: \[minimum cpu usage per Container is 50m, but request is 10m, cpu max limit to request ratio per Container is 10, but provided ratio is 50\.000000\]$/,
  );
  ok(
    await apply(`apiVersion: v1
kind: LimitRange
metadata: {name: storage, namespace: ${ns}}
spec:
  limits:
  - type: PersistentVolumeClaim
    min: {storage: 1Mi}
    max: {storage: 1Gi}
`),
  );
  assert.match(
    refused(
      await apply(`apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: big, namespace: ${ns}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
`),
    ),
    /persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 1Gi, but request is 2Gi$/,
  );
  // The LimitRange's own defaults: a max without a default makes the default limit.
  const stored = JSON.parse(ok(await server.kubectl(['get', 'limitrange', 'limits', '-n', ns, '-o', 'json'])));
  assert.deepEqual(stored.spec.limits[0].default, { cpu: '500m', memory: '256Mi' });
  assert.match(
    refused(
      await apply(`apiVersion: v1
kind: LimitRange
metadata: {name: bad, namespace: ${ns}}
spec:
  limits:
  - type: Container
    min: {cpu: "2"}
    max: {cpu: "1"}
`),
    ),
    /min value 2 is greater than max value 1/,
  );
});
