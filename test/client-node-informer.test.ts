/**
 * The official JavaScript client (@kubernetes/client-node 1.4) against a real `flotilla server`:
 * typed CRUD through CoreV1Api/AppsV1Api with the written kubeconfig, and a list + watch informer
 * on configmaps that sees adds, updates and deletes and keeps its cache in step.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { untilWith } from './helpers/wait-until.js';

let server: TestServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

before(async () => {
  server = await startTestServer();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(async () => {
  await server?.stop();
});

interface Seen {
  type: 'add' | 'update' | 'delete';
  name: string;
  data?: Record<string, string>;
}

const until = untilWith({ timeoutMs: 10_000, intervalMs: 20 });

test('client-node: typed create, read, replace with a stale resourceVersion, delete', async () => {
  await core.createNamespace({ body: { metadata: { name: 'cn-crud' } } });
  const created = await core.createNamespacedConfigMap({
    namespace: 'cn-crud',
    body: { metadata: { name: 'c1', labels: { a: 'b' } }, data: { k: 'v' } },
  });
  assert.equal(created.metadata?.namespace, 'cn-crud');
  assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  const read = await core.readNamespacedConfigMap({ name: 'c1', namespace: 'cn-crud' });
  assert.deepEqual(read.data, { k: 'v' });
  const replaced = await core.replaceNamespacedConfigMap({
    name: 'c1',
    namespace: 'cn-crud',
    body: { ...read, data: { k: 'v2' } },
  });
  assert.deepEqual(replaced.data, { k: 'v2' });
  await assert.rejects(
    core.replaceNamespacedConfigMap({ name: 'c1', namespace: 'cn-crud', body: { ...read, data: { k: 'v3' } } }),
    (err: k8s.ApiException<string>) => {
      assert.equal(err.code, 409);
      assert.equal(JSON.parse(err.body).reason, 'Conflict');
      return true;
    },
  );
  const list = await core.listNamespacedConfigMap({ namespace: 'cn-crud', labelSelector: 'a=b' });
  assert.deepEqual(
    list.items.map((i) => i.metadata?.name),
    ['c1'],
  );
  assert.ok(list.metadata?.resourceVersion);
  await core.deleteNamespacedConfigMap({ name: 'c1', namespace: 'cn-crud' });
  await assert.rejects(
    core.readNamespacedConfigMap({ name: 'c1', namespace: 'cn-crud' }),
    (err: k8s.ApiException<string>) => err.code === 404,
  );

  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const dep = await apps.createNamespacedDeployment({
    namespace: 'cn-crud',
    body: {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    },
  });
  assert.equal(dep.spec?.replicas, 1, 'defaulted');
  const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'cn-crud' });
  assert.equal(scale.spec?.replicas, 1);
  assert.equal(scale.status?.selector, 'app=web');
});

test('client-node: makeInformer (list + watch) on configmaps sees add, update and delete', async () => {
  const ns = 'cn-informer';
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' }, data: { a: '1' } } });

  const informer = k8s.makeInformer<k8s.V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
    core.listNamespacedConfigMap({ namespace: ns }),
  );
  const seen: Seen[] = [];
  const errors: unknown[] = [];
  // Every namespace also gets the kube-root-ca.crt ConfigMap (the root CA publisher): not this test's.
  const record = (type: Seen['type']) => (o: k8s.V1ConfigMap) => {
    if (o.metadata?.name !== 'kube-root-ca.crt') seen.push({ type, name: o.metadata?.name ?? '', data: o.data });
  };
  informer.on('add', record('add'));
  informer.on('update', record('update'));
  informer.on('delete', record('delete'));
  informer.on('error', (e) => errors.push(e));
  await informer.start();
  try {
    // The initial list: the existing object, as an add, and in the cache.
    await until('the initial add', () => seen.length >= 1);
    assert.deepEqual(seen, [{ type: 'add', name: 'before', data: { a: '1' } }]);
    assert.deepEqual(
      informer
        .list(ns)
        .map((o) => o.metadata?.name)
        .filter((n) => n !== 'kube-root-ca.crt'),
      ['before'],
    );

    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c1' }, data: { v: '1' } } });
    await until('add of c1', () => seen.some((s) => s.type === 'add' && s.name === 'c1'));
    await core.patchNamespacedConfigMap(
      { name: 'c1', namespace: ns, body: { data: { v: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await until('update of c1', () => seen.some((s) => s.type === 'update' && s.name === 'c1'));
    assert.deepEqual(informer.get('c1', ns)?.data, { v: '2' });
    await core.deleteNamespacedConfigMap({ name: 'c1', namespace: ns });
    await until('delete of c1', () => seen.some((s) => s.type === 'delete' && s.name === 'c1'));
    await core.deleteNamespacedConfigMap({ name: 'before', namespace: ns });
    await until('delete of before', () => seen.some((s) => s.type === 'delete' && s.name === 'before'));

    assert.deepEqual(seen, [
      { type: 'add', name: 'before', data: { a: '1' } },
      { type: 'add', name: 'c1', data: { v: '1' } },
      { type: 'update', name: 'c1', data: { v: '2' } },
      { type: 'delete', name: 'c1', data: { v: '2' } },
      { type: 'delete', name: 'before', data: { a: '1' } },
    ]);
    assert.deepEqual(
      informer.list(ns).filter((o) => o.metadata?.name !== 'kube-root-ca.crt'),
      [],
    );
    // Objects of other namespaces never reach this informer.
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn-elsewhere' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'last' } } });
    await until('add of last', () => seen.some((s) => s.name === 'last'));
    assert.ok(!seen.some((s) => s.name === 'cn-elsewhere'));
    assert.deepEqual(errors, []);
  } finally {
    await informer.stop();
  }
});

test('client-node: an informer with a label selector and the Watch class with a resourceVersion', async () => {
  const ns = 'cn-selector';
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const informer = k8s.makeInformer<k8s.V1ConfigMap>(
    kc,
    `/api/v1/namespaces/${ns}/configmaps`,
    () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'team=a' }),
    'team=a',
  );
  const seen: string[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  await informer.start();
  try {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x', labels: { team: 'b' } } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'y', labels: { team: 'a' } } } });
    await until('add y', () => seen.includes('add y'));
    // Relabelling x into the selector is an add for this informer; out of it, a delete.
    await core.patchNamespacedConfigMap(
      { name: 'x', namespace: ns, body: { metadata: { labels: { team: 'a' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await until('x enters', () => seen.includes('add x') || seen.includes('update x'));
    await core.patchNamespacedConfigMap(
      { name: 'y', namespace: ns, body: { metadata: { labels: { team: 'b' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await until('y leaves', () => seen.includes('delete y'));
    assert.deepEqual(
      informer.list(ns).map((o) => o.metadata?.name),
      ['x'],
    );
    assert.deepEqual(seen, ['add y', 'add x', 'delete y']);
  } finally {
    await informer.stop();
  }

  // A raw watch from a list's resourceVersion gets exactly the later events, typed and ordered.
  const list = await core.listNamespacedConfigMap({ namespace: ns });
  const events: string[] = [];
  const watch = new k8s.Watch(kc);
  let ended: unknown = 'not yet';
  const req = await watch.watch(
    `/api/v1/namespaces/${ns}/configmaps`,
    { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
    (type, obj: k8s.V1ConfigMap) => {
      if (type !== 'BOOKMARK' && obj.metadata?.name !== 'kube-root-ca.crt')
        events.push(`${type} ${obj.kind} ${obj.metadata?.name}`);
    },
    (err) => (ended = err),
  );
  try {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'z' } } });
    await core.deleteNamespacedConfigMap({ name: 'z', namespace: ns });
    await until('watch events', () => events.length >= 2);
    assert.deepEqual(events, ['ADDED ConfigMap z', 'DELETED ConfigMap z']);
    assert.equal(ended, 'not yet');
  } finally {
    req.abort();
  }
});
