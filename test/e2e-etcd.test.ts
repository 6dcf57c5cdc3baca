/**
 * End to end on the etcd store: a throwaway etcd on 127.0.0.1, `flotilla server --datastore
 * etcd://...`, and the newest kubectl: apply, get, scale, watch, delete. Also a restart of the API
 * server on the same etcd keeps everything.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { etcdAvailable, startEtcdTestServer, type EtcdTestServer } from '../src/store/etcd/etcd-test-server.js';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import type { ObjectList } from '../src/machinery/client/index.js';
import { startTestServer, type KubectlResult, type TestServer } from './helpers/cluster.js';
import { fixture, kubectlBackground, parseTable, ROOT_CA_CONFIGMAP, writeManifest } from './helpers/e2e.js';
import { until } from './helpers/wait-until.js';

const skip = etcdAvailable() ? false : 'etcd is not installed';
let etcd: EtcdTestServer;
let server: TestServer;

before(async () => {
  if (skip) return;
  etcd = await startEtcdTestServer();
  server = await startTestServer({ datastore: `etcd://127.0.0.1:${etcd.clientPort}` });
});
after(async () => {
  await server?.stop();
  await etcd?.stop();
});

async function ok(args: string[], s: TestServer = server): Promise<KubectlResult> {
  const r = await s.kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
/** `kubectl get -o json`, read as the type the caller names. */
async function getJson<T>(args: string[], s: TestServer = server): Promise<T> {
  return JSON.parse((await ok(['get', ...args, '-o', 'json'], s)).stdout);
}

test('etcd: the server reports ready on etcd and serves the bootstrap namespaces', { skip }, async () => {
  const t = parseTable((await ok(['get', 'namespaces'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'STATUS', 'AGE']);
  assert.deepEqual(t.records.map((r) => r.NAME).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  const keys = await fetch(`${etcd.endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({
      key: Buffer.from('/').toString('base64'),
      range_end: Buffer.from('0').toString('base64'),
      keys_only: true,
      count_only: true,
    }),
  }).then((r) => r.json() as Promise<{ count?: string }>);
  assert.ok(Number(keys.count) >= 4, `objects are in etcd (count ${keys.count})`);
});

test('etcd: apply twice, get, scale, delete', { skip }, async () => {
  await ok(['create', 'namespace', 'etcd-apply']);
  const ns = 'etcd-apply';
  const v1 = await writeManifest(server, 'etcd-v1.yaml', fixture('deployment.yaml'));
  assert.equal((await ok(['-n', ns, 'apply', '-f', v1])).stdout, 'deployment.apps/web created\n');
  const doc = YAML.parse(fixture('deployment.yaml'));
  doc.spec.template.spec.containers = doc.spec.template.spec.containers.slice(0, 1);
  delete doc.metadata.labels.tier;
  assert.equal(
    (await ok(['-n', ns, 'apply', '-f', await writeManifest(server, 'etcd-v2.yaml', YAML.stringify(doc))])).stdout,
    'deployment.apps/web configured\n',
  );
  let d = await getJson<KubeObject & Deployment>(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(
    d.spec?.template.spec?.containers.map((c) => c.name),
    ['web'],
  );
  assert.deepEqual(d.metadata.labels, { app: 'web' });
  assert.equal(d.metadata.generation, 2);

  let t = parseTable((await ok(['-n', ns, 'get', 'deploy', '-o', 'wide'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual([t.rows[0][0], t.rows[0][1], ...t.rows[0].slice(5)], ['web', '0/2', 'web', 'nginx:1.25', 'app=web']);

  assert.equal((await ok(['-n', ns, 'scale', 'deploy', 'web', '--replicas=7'])).stdout, 'deployment.apps/web scaled\n');
  d = await getJson<KubeObject & Deployment>(['-n', ns, 'deploy', 'web']);
  assert.equal(d.spec?.replicas, 7);
  assert.equal(d.metadata.generation, 3);
  t = parseTable((await ok(['-n', ns, 'get', 'deploy'])).stdout);
  assert.equal(t.records[0].READY, '0/7');

  await ok(['-n', ns, 'create', 'configmap', 'a', '--from-literal=x=1']);
  await ok(['-n', ns, 'create', 'configmap', 'b', '--from-literal=x=1']);
  await ok(['-n', ns, 'label', 'cm', 'a', 'pick=me']);
  assert.equal((await ok(['-n', ns, 'get', 'cm', '-l', 'pick=me', '-o', 'name'])).stdout, 'configmap/a\n');
  assert.equal((await ok(['-n', ns, 'delete', 'deploy', 'web'])).stdout, 'deployment.apps "web" deleted\n');
  assert.equal(
    (await ok(['-n', ns, 'delete', 'cm', 'a', 'b'])).stdout,
    'configmap "a" deleted\nconfigmap "b" deleted\n',
  );
  const gone = await server.kubectl(['-n', ns, 'get', 'deploy', 'web']);
  assert.equal(gone.stderr.trim(), 'Error from server (NotFound): deployments.apps "web" not found');
});

test('etcd: get -w sees create, modify and delete', { skip }, async () => {
  await ok(['create', 'namespace', 'etcd-watch']);
  const ns = 'etcd-watch';
  await ok(['-n', ns, 'create', 'configmap', 'w0']);
  const w = kubectlBackground(server, ['-n', ns, 'get', 'configmaps', '-w', '--output-watch-events']);
  // The namespace's kube-root-ca.crt (the root CA publisher's) may come before or during the watch.
  const mine = (lines: string[]) => lines.filter((l) => !l.includes(ROOT_CA_CONFIGMAP));
  try {
    await w.waitFor((l) => mine(l).length >= 2); // header and the existing w0: the watch has started
    await ok(['-n', ns, 'create', 'configmap', 'w1', '--from-literal=a=1']);
    await ok(['-n', ns, 'patch', 'configmap', 'w1', '--type=merge', '-p', '{"data":{"b":"2"}}']);
    await ok(['-n', ns, 'delete', 'configmap', 'w1']);
    await w.waitFor((l) => mine(l).length >= 5);
    const t = parseTable(mine(w.lines()).join('\n'));
    assert.deepEqual(t.header, ['EVENT', 'NAME', 'DATA', 'AGE']);
    assert.deepEqual(
      t.rows.map((r) => r.slice(0, 3)),
      [
        ['ADDED', 'w0', '0'],
        ['ADDED', 'w1', '1'],
        ['MODIFIED', 'w1', '2'],
        ['DELETED', 'w1', '2'],
      ],
    );
  } finally {
    await w.stop();
  }
});

test('etcd: SSA conflict and a stale update conflict', { skip }, async () => {
  await ok(['create', 'namespace', 'etcd-ssa']);
  const ns = 'etcd-ssa';
  const path = await writeManifest(server, 'etcd-ssa.yaml', fixture('configmap.yaml'));
  await ok(['-n', ns, 'apply', '--server-side', '-f', path]);
  await ok(['-n', ns, 'patch', 'cm', 'settings', '--type=merge', '-p', '{"data":{"mode":"slow"}}']);
  const c = await server.kubectl(['-n', ns, 'apply', '--server-side', '-f', path]);
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /Apply failed with 1 conflict: conflict with "kubectl[^"]*"( using v1)?: \.data\.mode/);
  await ok(['-n', ns, 'apply', '--server-side', '--force-conflicts', '-f', path]);
  assert.equal((await getJson<ConfigMap>(['-n', ns, 'cm', 'settings'])).data?.mode, 'fast');
  const stale = YAML.parse((await ok(['-n', ns, 'get', 'cm', 'settings', '-o', 'yaml'])).stdout);
  await ok(['-n', ns, 'label', 'cm', 'settings', 'bump=1']);
  const r = await server.kubectl([
    '-n',
    ns,
    'replace',
    '-f',
    await writeManifest(server, 'etcd-stale.yaml', YAML.stringify(stale)),
  ]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Error from server \(Conflict\)/);
});

test('etcd: a second API server on the same etcd sees the same objects', { skip }, async () => {
  await ok(['create', 'namespace', 'etcd-shared']);
  await ok(['-n', 'etcd-shared', 'create', 'configmap', 'shared', '--from-literal=k=v']);
  const second = await startTestServer({ datastore: `etcd://127.0.0.1:${etcd.clientPort}` });
  try {
    assert.deepEqual((await getJson<ConfigMap>(['-n', 'etcd-shared', 'cm', 'shared'], second)).data, { k: 'v' });
    // A write through the second server is seen by a watch on the first.
    const w = kubectlBackground(server, [
      '-n',
      'etcd-shared',
      'get',
      'cm',
      'shared',
      '-w',
      '-o',
      'jsonpath={.data.k}{"\\n"}',
    ]);
    try {
      await w.waitFor((l) => l.length >= 1);
      await ok(
        ['-n', 'etcd-shared', 'patch', 'cm', 'shared', '--type=merge', '-p', '{"data":{"k":"from-second"}}'],
        second,
      );
      const lines = await w.waitFor((l) => l.includes('from-second'));
      assert.deepEqual(lines, ['v', 'from-second']);
    } finally {
      await w.stop();
    }
  } finally {
    await second.stop();
  }
});

// Last in this file: it kills the shared server.
test('etcd: two servers, one leader: the controllers and scheduler run on one; after a kill -9 the other takes over', {
  skip,
}, async () => {
  const { serverIdentity } = await import('../src/machinery/leader-election/start-elected.js');
  const holder = async (name: string, s: TestServer): Promise<string> =>
    (await getJson<Lease>(['-n', 'kube-system', 'lease', name], s)).spec?.holderIdentity ?? '';
  const second = await startTestServer({ datastore: `etcd://127.0.0.1:${etcd.clientPort}` });
  try {
    const first = serverIdentity(server.dataDir);
    for (const name of ['kube-controller-manager', 'kube-scheduler'])
      assert.equal(await holder(name, second), first, `${name} is held by the first server`);
    await server.kill('SIGKILL');
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      await until(
        `${name} taken over by the second server`,
        async () => (await holder(name, second)) === serverIdentity(second.dataDir),
        { timeoutMs: 40_000, intervalMs: 500 },
      );
    }
    // The new leader's controllers act: a Deployment gets its ReplicaSet and pods.
    await ok(['create', 'namespace', 'etcd-failover'], second);
    await ok(['-n', 'etcd-failover', 'create', 'deployment', 'web', '--image=busybox', '--replicas=2'], second);
    await until(
      "the new leader's controllers to make 2 pods",
      async () =>
        (await getJson<ObjectList>(['-n', 'etcd-failover', 'pods', '-l', 'app=web'], second)).items.length === 2,
      { timeoutMs: 20_000, intervalMs: 300 },
    );
  } finally {
    await second.stop();
  }
});
