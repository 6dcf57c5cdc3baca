import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from './helpers/api-client.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { APIGroupList, APIResourceList } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../src/api/object.js';
import type { ObjectList } from '../src/machinery/client/index.js';

/** The aggregated discovery document (apidiscovery.k8s.io/v2), as far as the test reads it. */
interface APIGroupDiscoveryList {
  items: {
    metadata: { name: string };
    versions: { resources: { resource: string; shortNames?: string[]; subresources?: { subresource: string }[] }[] }[];
  }[];
}

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.close();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

test('bootstrap: system namespaces and the kubernetes Service exist', async () => {
  const ns = await api.request('GET', '/api/v1/namespaces');
  assert.deepEqual((ns.json as ObjectList).items.map((n) => n.metadata.name).sort(), [
    'default',
    'kube-node-lease',
    'kube-public',
    'kube-system',
  ]);
  const svc = await api.request('GET', '/api/v1/namespaces/default/services/kubernetes');
  assert.equal(svc.json.spec.clusterIP, '10.43.0.1');
});

test('create, get, conflict on stale update, generation and uid handling', async () => {
  const created = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('c1'));
  assert.equal(created.status, 201);
  const m = created.json.metadata;
  assert.match(m.uid, /^[0-9a-f-]{36}$/);
  assert.match(m.resourceVersion, /^\d+$/);
  assert.ok(m.creationTimestamp);
  const again = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('c1'));
  assert.equal(again.status, 409);
  assert.equal(again.json.reason, 'AlreadyExists');

  const upd = await api.request('PUT', '/api/v1/namespaces/default/configmaps/c1', {
    ...cm('c1', { a: '2' }),
    metadata: { name: 'c1', resourceVersion: m.resourceVersion },
  });
  assert.equal(upd.status, 200);
  assert.ok(Number(upd.json.metadata.resourceVersion) > Number(m.resourceVersion));
  assert.equal(upd.json.metadata.uid, m.uid);
  const stale = await api.request('PUT', '/api/v1/namespaces/default/configmaps/c1', {
    ...cm('c1', { a: '3' }),
    metadata: { name: 'c1', resourceVersion: m.resourceVersion },
  });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.reason, 'Conflict');

  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
    },
  };
  const d = await api.request('POST', '/apis/apps/v1/namespaces/default/deployments', dep);
  assert.equal(d.status, 201, d.text);
  assert.equal(d.json.metadata.generation, 1);
  assert.equal(d.json.spec.replicas, 1, 'defaulted');
  const scaled = await api.request(
    'PATCH',
    '/apis/apps/v1/namespaces/default/deployments/web/scale',
    { spec: { replicas: 3 } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(scaled.status, 200, scaled.text);
  assert.equal(scaled.json.kind, 'Scale');
  assert.equal(scaled.json.spec.replicas, 3);
  assert.equal(scaled.json.status.selector, 'app=web');
  const after = await api.request('GET', '/apis/apps/v1/namespaces/default/deployments/web');
  assert.equal(after.json.spec.replicas, 3);
  assert.equal(after.json.metadata.generation, 2);
  const statusOnly = await api.request(
    'PATCH',
    '/apis/apps/v1/namespaces/default/deployments/web/status',
    { status: { replicas: 7 }, spec: { replicas: 9 } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(statusOnly.status, 200, statusOnly.text);
  assert.equal(statusOnly.json.status.replicas, 7);
  assert.equal(statusOnly.json.spec.replicas, 3, 'status subresource ignores spec');
  assert.equal(statusOnly.json.metadata.generation, 2);
});

test('patch: json, merge and strategic merge', async () => {
  await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('p1', { a: '1', b: '2' }));
  const merge = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/p1',
    { data: { a: null, c: '3' } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.deepEqual(merge.json.data, { b: '2', c: '3' });
  const json = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/p1',
    [{ op: 'replace', path: '/data/b', value: 'x' }],
    { 'content-type': 'application/json-patch+json' },
  );
  assert.equal(json.json.data.b, 'x');
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pp' },
    spec: {
      containers: [
        { name: 'a', image: 'busybox' },
        { name: 'b', image: 'busybox' },
      ],
    },
  };
  assert.equal((await api.request('POST', '/api/v1/namespaces/default/pods', pod)).status, 201);
  const smp = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/pods/pp',
    { spec: { containers: [{ name: 'b', image: 'busybox:1.36' }] } },
    { 'content-type': 'application/strategic-merge-patch+json' },
  );
  assert.equal(smp.status, 200, smp.text);
  assert.deepEqual(
    (smp.json as Pod).spec?.containers.map((c) => `${c.name}=${c.image}`),
    ['a=busybox', 'b=busybox:1.36'],
  );
  const bad = await api.request('PATCH', '/api/v1/namespaces/default/configmaps/p1', '{', {
    'content-type': 'application/merge-patch+json',
  });
  assert.equal(bad.status, 400);
  const unsupported = await api.request('PATCH', '/api/v1/namespaces/default/configmaps/p1', '{}', {
    'content-type': 'text/plain',
  });
  assert.equal(unsupported.status, 415);
});

test('server-side apply creates, merges and reports conflicts', async () => {
  const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s1\ndata:\n  a: "1"\n';
  const created = await api.request('PATCH', '/api/v1/namespaces/default/configmaps/s1?fieldManager=alice', body, {
    'content-type': 'application/apply-patch+yaml',
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.metadata.managedFields[0].manager, 'alice');
  const conflict = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/s1?fieldManager=bob',
    body.replace('"1"', '"2"'),
    { 'content-type': 'application/apply-patch+yaml' },
  );
  assert.equal(conflict.status, 409, conflict.text);
  const forced = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/s1?fieldManager=bob&force=true',
    body.replace('"1"', '"2"'),
    { 'content-type': 'application/apply-patch+yaml' },
  );
  assert.equal(forced.status, 200, forced.text);
  assert.equal(forced.json.data.a, '2');
});

test('list: label and field selectors, paging, tables', async () => {
  for (let i = 0; i < 5; i++)
    await api.request(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      cm(`l${i}`, {}, { tier: i % 2 ? 'odd' : 'even' }),
    );
  const odd = await api.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dodd');
  assert.deepEqual(
    (odd.json as ObjectList).items.map((c) => c.metadata.name),
    ['l1', 'l3'],
  );
  const byName = await api.request('GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dl2');
  assert.deepEqual(
    (byName.json as ObjectList).items.map((c) => c.metadata.name),
    ['l2'],
  );
  const badField = await api.request('GET', '/api/v1/configmaps?fieldSelector=spec.nope%3D1');
  assert.equal(badField.status, 400);
  const page1 = await api.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier&limit=2');
  assert.equal(page1.json.items.length, 2);
  assert.ok(page1.json.metadata.continue);
  const page2 = await api.request(
    'GET',
    `/api/v1/namespaces/default/configmaps?labelSelector=tier&limit=2&continue=${page1.json.metadata.continue}`,
  );
  const page3 = await api.request(
    'GET',
    `/api/v1/namespaces/default/configmaps?labelSelector=tier&limit=2&continue=${page2.json.metadata.continue}`,
  );
  assert.deepEqual(
    [page1, page2, page3].flatMap((p) => (p.json as ObjectList).items).map((c) => c.metadata.name),
    ['l0', 'l1', 'l2', 'l3', 'l4'],
  );
  assert.equal(page3.json.metadata.continue, undefined);
  const table = await api.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier', undefined, {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  });
  assert.equal(table.json.kind, 'Table');
  assert.equal(table.json.columnDefinitions[0].name, 'Name');
  assert.equal(table.json.rows.length, 5);
  assert.equal(table.json.rows[0].object.kind, 'PartialObjectMetadata');
});

test('watch: from a resourceVersion, with a selector, and 410 for compacted history', async () => {
  const list = await api.request('GET', '/api/v1/namespaces/default/configmaps');
  const rv = list.json.metadata.resourceVersion;
  const ctrl = new AbortController();
  const res = await fetch(
    `${api.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&labelSelector=w%3Dyes`,
    { signal: ctrl.signal },
  );
  const reader = (res.body ?? assert.fail('a watch answers with a body')).getReader();
  await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('w1', {}, { w: 'yes' }));
  await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('w2', {}, { w: 'no' }));
  await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/w1',
    { metadata: { labels: { w: 'no' } } },
    { 'content-type': 'application/merge-patch+json' },
  );
  const events: { type: string; object: KubeObject }[] = [];
  let buf = '';
  while (events.length < 2) {
    const { value } = await reader.read();
    buf += new TextDecoder().decode(value);
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      events.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  }
  ctrl.abort();
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED w1', 'DELETED w1'],
  );
  const gone = await api.request(
    'GET',
    '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=1',
  );
  // Revision 1 is still in the ring here, so this replays; what must hold is that it is a valid stream.
  assert.equal(gone.status, 200);
});

test('bad input gets a Status, never a crash', async () => {
  const cases: [string, string, unknown, Record<string, string>, number][] = [
    ['POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion":', {}, 400],
    [
      'POST',
      '/api/v1/namespaces/default/configmaps',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } },
      {},
      400,
    ],
    [
      'POST',
      '/api/v1/namespaces/default/configmaps',
      { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'x' } },
      {},
      400,
    ],
    [
      'POST',
      '/api/v1/namespaces/default/configmaps',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } },
      {},
      422,
    ],
    [
      'POST',
      '/api/v1/namespaces/default/configmaps?fieldValidation=Strict',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, bogus: 1 },
      {},
      400,
    ],
    ['POST', '/api/v1/namespaces/default/configmaps', 'x', { 'content-type': 'text/csv' }, 415],
    ['POST', '/api/v1/namespaces/nope/configmaps', cm('x'), {}, 404],
    ['GET', '/api/v1/namespaces/default/widgets', undefined, {}, 404],
    ['GET', '/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(', undefined, {}, 400],
    [
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 'many' } },
      {},
      422,
    ],
    [
      'POST',
      '/api/v1/namespaces/default/configmaps?fieldValidation=Strict',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"b":"2"}}',
      {},
      400,
    ],
    [
      'POST',
      '/api/v1/namespaces/default/configmaps',
      Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w2\nda\xfft: 1\n', 'latin1'),
      { 'content-type': 'application/yaml' },
      400,
    ],
    [
      'POST',
      '/api/v1/namespaces/default/pods',
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nullc' }, spec: { containers: [null] } },
      {},
      422,
    ],
  ];
  for (const [method, path, body, headers, code] of cases) {
    const r = await api.request(method, path, body, headers);
    assert.equal(r.status, code, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.kind, 'Status');
  }
  // An unknown field with a non-ASCII name under Warn: stored, and the warning header is escaped.
  const warned = await api.request(
    'POST',
    '/api/v1/namespaces/default/configmaps',
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned"},"dätä":1}',
  );
  assert.equal(warned.status, 201, warned.text);
  assert.equal(warned.headers.get('warning'), '299 - "unknown field \\"d\\u00e4t\\u00e4\\""');
  assert.equal('dätä' in warned.json, false, 'unknown fields are dropped, as Kubernetes decoding does');
  const big = await api.request('POST', '/api/v1/namespaces/default/configmaps', {
    ...cm('big'),
    data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) },
  });
  assert.equal(big.status, 413);
  assert.equal(
    (await api.request('GET', '/api/v1/namespaces/default/configmaps/x')).status,
    404,
    'nothing stored half-way',
  );
});

test('delete: immediate, with finalizers, and graceful for bound pods', async () => {
  await api.request('POST', '/api/v1/namespaces/default/configmaps', {
    ...cm('f1'),
    metadata: { name: 'f1', finalizers: ['example.com/hold'] },
  });
  const del = await api.request('DELETE', '/api/v1/namespaces/default/configmaps/f1');
  assert.equal(del.status, 200);
  assert.ok(del.json.metadata.deletionTimestamp);
  const released = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/f1',
    { metadata: { finalizers: null } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(released.status, 200, released.text);
  assert.equal((await api.request('GET', '/api/v1/namespaces/default/configmaps/f1')).status, 404);

  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'g1' },
    spec: { containers: [{ name: 'a', image: 'busybox' }] },
  };
  const created = (await api.request('POST', '/api/v1/namespaces/default/pods', pod)).json;
  const stale = await api.request('POST', '/api/v1/namespaces/default/pods/g1/binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'g1', uid: 'not-this-pod' },
    target: { kind: 'Node', name: 'n1' },
  });
  assert.equal(stale.status, 409, 'the uid precondition protects a re-created pod of the same name');
  const dry = await api.request('POST', '/api/v1/namespaces/default/pods/g1/binding?dryRun=All', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'g1' },
    target: { kind: 'Node', name: 'n1' },
  });
  assert.equal(dry.status, 201, dry.text);
  assert.equal(
    (await api.request('GET', '/api/v1/namespaces/default/pods/g1')).json.spec.nodeName,
    undefined,
    'dryRun writes nothing',
  );
  const bind = await api.request('POST', '/api/v1/namespaces/default/pods/g1/binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'g1', uid: created.metadata.uid },
    target: { kind: 'Node', name: 'n1' },
  });
  assert.equal(bind.status, 201, bind.text);
  const bound = (await api.request('GET', '/api/v1/namespaces/default/pods/g1')).json as KubeObject & Pod;
  assert.equal(bound.spec?.nodeName, 'n1');
  assert.equal(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  assert.ok(Number(bound.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  const again = await api.request('POST', '/api/v1/namespaces/default/pods/g1/binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'g1' },
    target: { kind: 'Node', name: 'n2' },
  });
  assert.equal(again.status, 409, 'a bound pod cannot be bound again');
  const graceful = await api.request('DELETE', '/api/v1/namespaces/default/pods/g1');
  assert.equal(graceful.json.metadata.deletionGracePeriodSeconds, 30);
  assert.equal((await api.request('GET', '/api/v1/namespaces/default/pods/g1')).status, 200);
  const now = await api.request('DELETE', '/api/v1/namespaces/default/pods/g1', { gracePeriodSeconds: 0 });
  assert.equal(now.status, 200);
  assert.equal((await api.request('GET', '/api/v1/namespaces/default/pods/g1')).status, 404);
});

test('discovery: legacy and aggregated', async () => {
  const agg = await api.request('GET', '/apis', undefined, {
    accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
  });
  assert.equal(agg.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const apps = (agg.json as APIGroupDiscoveryList).items.find((g) => g.metadata.name === 'apps');
  const deploy = apps?.versions[0]?.resources.find((r) => r.resource === 'deployments');
  assert.deepEqual(deploy?.shortNames, ['deploy']);
  assert.ok(deploy?.subresources?.some((s) => s.subresource === 'scale'));
  const legacy = await api.request('GET', '/api/v1');
  assert.ok((legacy.json as APIResourceList).resources.some((r) => r.name === 'pods/status'));
  const groups = await api.request('GET', '/apis');
  assert.ok(
    (groups.json as APIGroupList).groups.some((g) => g.name === 'autoscaling' && g.preferredVersion?.version === 'v2'),
  );
});

test('eviction takes one allowed disruption from the budget: a second eviction is refused with 429', async () => {
  const pdb = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'pdb' },
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'ev' } } },
  };
  assert.equal((await api.request('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', pdb)).status, 201);
  const allowed = await api.request(
    'PATCH',
    '/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb/status',
    { status: { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 } },
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(allowed.status, 200, allowed.text);
  for (const name of ['ev1', 'ev2']) {
    await api.request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'ev' } },
      spec: { containers: [{ name: 'a', image: 'busybox' }] },
    });
  }
  const evict = (name: string) =>
    api.request('POST', `/api/v1/namespaces/default/pods/${name}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name },
    });
  assert.equal((await evict('ev1')).status, 201);
  const second = await evict('ev2');
  assert.equal(second.status, 429, second.text);
  assert.equal(second.json.details.causes[0].reason, 'DisruptionBudget');
  const after = (await api.request('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb')).json;
  assert.equal(after.status.disruptionsAllowed, 0);
  assert.ok(after.status.disruptedPods.ev1);
  assert.equal((await api.request('GET', '/api/v1/namespaces/default/pods/ev1')).status, 404);
  assert.equal((await api.request('GET', '/api/v1/namespaces/default/pods/ev2')).status, 200);
});

test('creates need an open namespace: 404 when missing, 403 once it is terminating', async () => {
  assert.equal(
    (
      await api.request('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'doomed' },
      })
    ).status,
    201,
  );
  assert.equal((await api.request('POST', '/api/v1/namespaces/doomed/configmaps', cm('before'))).status, 201);
  const missing = await api.request('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
  assert.equal(missing.status, 404);
  assert.equal(missing.json.details?.kind, 'namespaces');
  const del = await api.request('DELETE', '/api/v1/namespaces/doomed');
  assert.equal(del.status, 200, del.text);
  // No namespace controller runs here: the kubernetes finalizer keeps it Terminating.
  const refused = await api.request('POST', '/api/v1/namespaces/doomed/configmaps', cm('after'));
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.reason, 'Forbidden');
  assert.equal(refused.json.message, 'unable to create new content in namespace doomed because it is being terminated');
  assert.equal((await api.request('POST', '/api/v1/namespaces/default/configmaps', cm('elsewhere'))).status, 201);
});
