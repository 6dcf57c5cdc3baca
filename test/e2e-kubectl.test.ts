/**
 * End to end: the newest kubectl on the machine against a real `flotilla server` on SQLite.
 * One server for the file; every test works in its own namespace. Assertions are on what kubectl
 * prints (exact table headers and cells) and on the stored objects (`-o json`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { kubectlVersions, startTestServer, type KubectlResult, type TestServer } from './helpers/cluster.js';
import type { KubectlOptions } from './helpers/kubectl.js';
import {
  apiRequest,
  fixture,
  kubectlBackground,
  parseTable,
  ROOT_CA_CONFIGMAP,
  withoutRootCa,
  writeManifest,
} from './helpers/e2e.js';
import { until } from './helpers/wait-until.js';

let server: TestServer;
const NEWEST = kubectlVersions().at(-1);

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

async function k(args: string[], opts: Omit<KubectlOptions, 'kubeconfig'> = {}): Promise<KubectlResult> {
  return server.kubectl(args, opts);
}
/**
 * Starts `kubectl -v=6 <args>` (a command that watches) and resolves once its request log shows
 * the watch open, so a change made next happens while it watches; `done` is its result.
 */
async function watching(args: string[]): Promise<{ done: Promise<KubectlResult> }> {
  let log = '';
  let finished = false;
  const done = k(['-v=6', ...args], { onStderr: (c) => (log += c) }).finally(() => {
    finished = true;
  });
  await until(`kubectl ${args.join(' ')} to open its watch`, () => {
    // A response line: `url="...&watch=true..." status="200 OK"` (older kubectl: `...&watch=true 200 OK`).
    if (/[?&]watch=true[^\s"]*"? (status=")?200 OK/.test(log)) return true;
    if (finished) throw new Error(`kubectl exited before watching:\n${log}`);
    return undefined;
  });
  return { done };
}
/** Runs kubectl and asserts exit 0. */
async function ok(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  const r = await k(args, opts);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
/** Runs kubectl and asserts a non-zero exit. */
async function fails(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<KubectlResult> {
  const r = await k(args, opts);
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail\nstdout: ${r.stdout}`);
  return r;
}
/** `kubectl get ... -o json` parsed; managedFields only when asked (kubectl strips them by default). */
async function getJson(args: string[], showManagedFields = false): Promise<any> {
  return JSON.parse(
    (await ok(['get', ...args, '-o', 'json', ...(showManagedFields ? ['--show-managed-fields'] : [])])).stdout,
  );
}
async function namespace(name: string): Promise<string> {
  await ok(['create', 'namespace', name]);
  return name;
}

test('version: client is the newest kubectl, server reports a 1.x version', async () => {
  const r = await ok(['version', '-o', 'json']);
  const v = JSON.parse(r.stdout);
  assert.equal(`${v.clientVersion.major}.${v.clientVersion.minor}`, NEWEST);
  assert.equal(v.serverVersion.major, '1');
  assert.match(v.serverVersion.gitVersion, /^v1\.\d+\.\d+/);
  assert.match(v.serverVersion.platform, /^linux\//);
  const plain = await ok(['version']);
  assert.match(plain.stdout, /^Client Version: v1\.\d+\.\d+$/m);
  assert.match(
    plain.stdout,
    new RegExp(`^Server Version: ${v.serverVersion.gitVersion.replace(/[.+]/g, '\\$&')}$`, 'm'),
  );
});

test('api-resources: names, short names, groups, scope and kinds', async () => {
  const r = await ok(['api-resources']);
  const t = parseTable(r.stdout);
  assert.deepEqual(t.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
  const row = (name: string, apiVersion: string) =>
    t.records.find((x) => x.NAME === name && x.APIVERSION === apiVersion);
  const expected: [string, string, string, string, string][] = [
    ['pods', 'po', 'v1', 'true', 'Pod'],
    ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
    ['nodes', 'no', 'v1', 'false', 'Node'],
    ['services', 'svc', 'v1', 'true', 'Service'],
    ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
    ['secrets', '', 'v1', 'true', 'Secret'],
    ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
    ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
    ['resourcequotas', 'quota', 'v1', 'true', 'ResourceQuota'],
    ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
    ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
    ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
    ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
    ['jobs', '', 'batch/v1', 'true', 'Job'],
    ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
    ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
    ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
    ['networkpolicies', 'netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy'],
    ['poddisruptionbudgets', 'pdb', 'policy/v1', 'true', 'PodDisruptionBudget'],
    ['priorityclasses', 'pc', 'scheduling.k8s.io/v1', 'false', 'PriorityClass'],
    ['clusterroles', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole'],
    ['roles', '', 'rbac.authorization.k8s.io/v1', 'true', 'Role'],
    ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass'],
    ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease'],
    ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
  ];
  for (const [name, short, apiVersion, namespaced, kind] of expected) {
    assert.deepEqual(
      row(name, apiVersion),
      { NAME: name, SHORTNAMES: short, APIVERSION: apiVersion, NAMESPACED: namespaced, KIND: kind },
      `${name}.${apiVersion}`,
    );
  }
  const apps = await ok(['api-resources', '--api-group=apps', '-o', 'name']);
  assert.deepEqual(apps.stdout.trim().split('\n').sort(), [
    'controllerrevisions.apps',
    'daemonsets.apps',
    'deployments.apps',
    'replicasets.apps',
    'statefulsets.apps',
  ]);
  const clusterScoped = await ok(['api-resources', '--namespaced=false', '-o', 'name']);
  assert.ok(clusterScoped.stdout.split('\n').includes('namespaces'));
  assert.ok(!clusterScoped.stdout.split('\n').includes('pods'));
  const versions = (await ok(['api-versions'])).stdout.trim().split('\n');
  for (const gv of [
    'v1',
    'apps/v1',
    'batch/v1',
    'autoscaling/v1',
    'autoscaling/v2',
    'policy/v1',
    'rbac.authorization.k8s.io/v1',
    'networking.k8s.io/v1',
  ]) {
    assert.ok(versions.includes(gv), `api-versions lists ${gv}`);
  }
  // Short names and categories resolve.
  const ns = await namespace('e2e-shortnames');
  await ok(['-n', ns, 'create', 'configmap', 'short', '--from-literal=a=b']);
  assert.equal(withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-o', 'name'])).stdout), 'configmap/short\n');
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'configmaps.v1.', '-o', 'name'])).stdout),
    'configmap/short\n',
  );
  await ok(['-n', ns, 'create', 'deployment', 'd', '--image=nginx']);
  // `all` is a category: the Deployment, and the ReplicaSet and pods its controller makes.
  const all = (await ok(['-n', ns, 'get', 'all', '-o', 'name'])).stdout.trim().split('\n');
  assert.ok(all.includes('deployment.apps/d'), all.join(' '));
  assert.ok(
    all.every((n) => /^(deployment\.apps\/d|replicaset\.apps\/d-[a-z0-9]+|pod\/d-[a-z0-9]+-[a-z0-9]+)$/.test(n)),
    all.join(' '),
  );
});

test('get: tables with the Kubernetes columns, -o wide/yaml/json/name, -l, -A, --field-selector, --show-labels', async () => {
  const ns = await namespace('e2e-get');
  // Zero replicas and a pod for no scheduler keep the tables still while the controllers and the
  // scheduler run in the server (no node agent runs pods in this test).
  await ok([
    '-n',
    ns,
    'create',
    '-f',
    await writeManifest(server, 'get-dep.yaml', fixture('deployment.yaml').replace('replicas: 2', 'replicas: 0')),
  ]);
  await ok([
    '-n',
    ns,
    'create',
    '-f',
    await writeManifest(
      server,
      'get-pod.yaml',
      fixture('pod.yaml').replace('spec:\n', 'spec:\n  schedulerName: e2e-none\n'),
    ),
  ]);
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'get-svc.yaml', fixture('service.yaml'))]);
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'get-cm.yaml', fixture('configmap.yaml'))]);
  await ok(['-n', ns, 'create', 'configmap', 'other', '--from-literal=x=1']);
  await ok([
    'create',
    '-f',
    await writeManifest(server, 'get-node.yaml', fixture('node.yaml').replaceAll('NODE_NAME', 'e2e-get-node')),
  ]);

  // pods
  let t = parseTable((await ok(['-n', ns, 'get', 'pods'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.equal(t.rows.length, 1);
  assert.deepEqual(t.rows[0].slice(0, 4), ['p1', '0/1', 'Pending', '0']);
  assert.match(t.rows[0][4], /^\d+s$/);
  t = parseTable((await ok(['-n', ns, 'get', 'pods', '-o', 'wide'])).stdout);
  assert.deepEqual(t.header, [
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'AGE',
    'IP',
    'NODE',
    'NOMINATED NODE',
    'READINESS GATES',
  ]);
  assert.deepEqual(t.records[0], {
    ...t.records[0],
    NAME: 'p1',
    IP: '<none>',
    NODE: '<none>',
    'NOMINATED NODE': '<none>',
    'READINESS GATES': '<none>',
  });

  // deployments
  t = parseTable((await ok(['-n', ns, 'get', 'deployments'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
  assert.deepEqual(t.rows[0].slice(0, 4), ['web', '0/0', '0', '0']);
  t = parseTable((await ok(['-n', ns, 'get', 'deploy', '-o', 'wide'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual(t.rows[0].slice(5), ['web,sidecar', 'nginx:1.25,busybox:1.36', 'app=web']);

  // services
  t = parseTable((await ok(['-n', ns, 'get', 'services'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  assert.equal(t.records[0].NAME, 'web');
  assert.equal(t.records[0].TYPE, 'ClusterIP');
  assert.match(t.records[0]['CLUSTER-IP'], /^10\.43\.\d+\.\d+$/);
  assert.equal(t.records[0]['EXTERNAL-IP'], '<none>');
  assert.equal(t.records[0]['PORT(S)'], '80/TCP');
  t = parseTable((await ok(['-n', ns, 'get', 'svc', '-o', 'wide'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
  assert.equal(t.records[0].SELECTOR, 'app=web');

  // configmaps
  t = parseTable(withoutRootCa((await ok(['-n', ns, 'get', 'configmaps'])).stdout));
  assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE']);
  assert.deepEqual(
    t.rows.map((r) => r.slice(0, 2)),
    [
      ['other', '1'],
      ['settings', '2'],
    ],
  );

  // nodes
  t = parseTable((await ok(['get', 'nodes'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  const node = t.records.find((r) => r.NAME === 'e2e-get-node');
  assert.ok(node);
  assert.equal(node.STATUS, 'Unknown', 'a node without a Ready condition');
  assert.equal(node.ROLES, '<none>');
  t = parseTable((await ok(['get', 'nodes', '-o', 'wide'])).stdout);
  assert.deepEqual(t.header, [
    'NAME',
    'STATUS',
    'ROLES',
    'AGE',
    'VERSION',
    'INTERNAL-IP',
    'EXTERNAL-IP',
    'OS-IMAGE',
    'KERNEL-VERSION',
    'CONTAINER-RUNTIME',
  ]);

  // namespaces
  t = parseTable((await ok(['get', 'namespaces'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'STATUS', 'AGE']);
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ns]) {
    assert.equal(t.records.find((r) => r.NAME === n)?.STATUS, 'Active', n);
  }

  // -o yaml / json / name
  const y = YAML.parse((await ok(['-n', ns, 'get', 'pod', 'p1', '-o', 'yaml'])).stdout);
  assert.equal(y.kind, 'Pod');
  assert.equal(y.apiVersion, 'v1');
  assert.equal(y.metadata.namespace, ns);
  assert.match(y.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.equal(y.spec.containers[0].image, 'busybox:1.36');
  assert.equal(y.spec.restartPolicy, 'Always', 'defaulted');
  assert.equal(y.status.phase, 'Pending');
  const list = await getJson(['-n', ns, 'configmaps']);
  assert.equal(list.kind, 'List');
  const own = list.items.filter((i: any) => i.metadata.name !== ROOT_CA_CONFIGMAP);
  assert.deepEqual(
    own.map((i: any) => `${i.kind}/${i.metadata.name}`),
    ['ConfigMap/other', 'ConfigMap/settings'],
  );
  assert.deepEqual(own[1].data, { mode: 'fast', level: '3' });
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'deploy,svc,cm', '-o', 'name'])).stdout),
    'deployment.apps/web\nservice/web\nconfigmap/other\nconfigmap/settings\n',
  );

  // -l
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-l', 'app=demo', '-o', 'name'])).stdout),
    'configmap/settings\n',
  );
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-l', 'app!=demo', '-o', 'name'])).stdout),
    'configmap/other\n',
  );
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-l', 'app in (demo,x)', '-o', 'name'])).stdout),
    'configmap/settings\n',
  );
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-l', '!app', '-o', 'name'])).stdout),
    'configmap/other\n',
  );
  const none = await ok(['-n', ns, 'get', 'cm', '-l', 'app=nope']);
  assert.equal(none.stdout, '');
  assert.equal(none.stderr.trim(), `No resources found in ${ns} namespace.`);
  const badSel = await fails(['-n', ns, 'get', 'cm', '-l', 'a=(b']);
  assert.match(badSel.stderr, /unable to parse requirement|invalid|found/i);

  // -A
  t = parseTable((await ok(['get', 'services', '-A'])).stdout);
  assert.deepEqual(t.header, ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  assert.ok(
    t.records.some(
      (r) =>
        r.NAMESPACE === 'default' &&
        r.NAME === 'kubernetes' &&
        r['CLUSTER-IP'] === '10.43.0.1' &&
        r['PORT(S)'] === '443/TCP',
    ),
  );
  assert.ok(t.records.some((r) => r.NAMESPACE === ns && r.NAME === 'web'));

  // --field-selector
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'cm', '--field-selector', 'metadata.name=other', '-o', 'name'])).stdout),
    'configmap/other\n',
  );
  assert.equal(
    (await ok(['-n', ns, 'get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name'])).stdout,
    'pod/p1\n',
  );
  assert.equal(
    (await ok(['-n', ns, 'get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name'])).stdout,
    '',
  );
  assert.equal(
    (await ok(['get', 'pods', '-A', '--field-selector', `metadata.namespace=${ns}`, '-o', 'name'])).stdout,
    'pod/p1\n',
  );
  const badField = await fails(['-n', ns, 'get', 'cm', '--field-selector', 'data.x=1']);
  assert.match(badField.stderr, /BadRequest|field label not supported|not supported/i);

  // --show-labels
  t = parseTable(withoutRootCa((await ok(['-n', ns, 'get', 'cm', '--show-labels'])).stdout));
  assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE', 'LABELS']);
  assert.deepEqual(
    t.records.map((r) => `${r.NAME}:${r.LABELS}`),
    ['other:<none>', 'settings:app=demo'],
  );
  t = parseTable((await ok(['-n', ns, 'get', 'deploy', '-L', 'tier'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'TIER']);
  assert.equal(t.records[0].TIER, 'front');

  // custom-columns and jsonpath read plain JSON
  assert.equal(
    (await ok(['-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}'])).stdout,
    '0 1',
  );
  assert.equal(
    withoutRootCa(
      (await ok(['-n', ns, 'get', 'cm', '-o', 'custom-columns=N:.metadata.name,M:.data.mode', '--no-headers'])).stdout,
    ).replace(/ +/g, ' '),
    'other <none>\nsettings fast\n',
  );

  // NotFound
  const missing = await fails(['-n', ns, 'get', 'cm', 'nope']);
  assert.equal(missing.stderr.trim(), 'Error from server (NotFound): configmaps "nope" not found');
  await ok(['delete', 'node', 'e2e-get-node']);
});

test('get: ResourceQuota table shows used/hard per resource', async () => {
  const ns = await namespace('e2e-quota-table');
  await ok(['-n', ns, 'create', 'quota', 'q', '--hard=pods=10,cpu=2,limits.memory=1Gi']);
  // Kubernetes' printer lists the keys of status.hard, which the quota controller fills from spec.hard.
  const t = await until('the quota controller filled status.hard', async () => {
    const table = parseTable((await ok(['-n', ns, 'get', 'quota'])).stdout);
    return table.records[0]?.REQUEST ? table : undefined;
  });
  assert.deepEqual(t.header, ['NAME', 'AGE', 'REQUEST', 'LIMIT']);
  assert.equal(t.records[0].REQUEST, 'cpu: 0/2, pods: 0/10');
  assert.equal(t.records[0].LIMIT, 'limits.memory: 0/1Gi');
});

test('get -w: list watch prints new rows for create, modify and delete; single-object watch', async () => {
  const ns = await namespace('e2e-watch');
  await ok(['-n', ns, 'create', 'configmap', 'existing', '--from-literal=a=1']);
  const w = kubectlBackground(server, ['-n', ns, 'get', 'configmaps', '-w']);
  const we = kubectlBackground(server, ['-n', ns, 'get', 'configmaps', '-w', '--output-watch-events']);
  const one = kubectlBackground(server, ['-n', ns, 'get', 'configmap', 'existing', '-w', '-o', 'name']);
  // The namespace's kube-root-ca.crt (the root CA publisher's) may come before or during the watch.
  const mine = (lines: string[]) => lines.filter((l) => !l.includes(ROOT_CA_CONFIGMAP));
  try {
    await w.waitFor((l) => mine(l).length >= 2);
    await we.waitFor((l) => mine(l).length >= 2);
    await one.waitFor((l) => l.length >= 1);
    let t = parseTable(mine(w.lines()).join('\n'));
    assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(
      t.rows.map((r) => r.slice(0, 2)),
      [['existing', '1']],
      'no replay of existing objects beyond the list',
    );

    await ok(['-n', ns, 'create', 'configmap', 'w1', '--from-literal=a=1']);
    await ok(['-n', ns, 'patch', 'configmap', 'w1', '-p', '{"data":{"b":"2"}}']);
    await ok(['-n', ns, 'delete', 'configmap', 'w1']);
    await ok(['-n', ns, 'label', 'configmap', 'existing', 'seen=yes']);

    await w.waitFor((l) => mine(l).length >= 6);
    t = parseTable(mine(w.lines()).join('\n'));
    assert.deepEqual(
      t.rows.map((r) => r.slice(0, 2)),
      [
        ['existing', '1'],
        ['w1', '1'],
        ['w1', '2'],
        ['w1', '2'],
        ['existing', '1'],
      ],
    );
    await we.waitFor((l) => mine(l).length >= 6);
    t = parseTable(mine(we.lines()).join('\n'));
    assert.deepEqual(t.header, ['EVENT', 'NAME', 'DATA', 'AGE']);
    assert.deepEqual(
      t.rows.map((r) => r.slice(0, 3)),
      [
        ['ADDED', 'existing', '1'],
        ['ADDED', 'w1', '1'],
        ['MODIFIED', 'w1', '2'],
        ['DELETED', 'w1', '2'],
        ['MODIFIED', 'existing', '1'],
      ],
    );
    await one.waitFor((l) => l.length >= 2);
    assert.deepEqual(
      one.lines(),
      ['configmap/existing', 'configmap/existing'],
      'initial ADDED, then the label change only',
    );
  } finally {
    await Promise.all([w.stop(), we.stop(), one.stop()]);
  }
});

test('describe: a configmap and a deployment', async () => {
  const ns = await namespace('e2e-describe');
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'desc-cm.yaml', fixture('configmap.yaml'))]);
  const cm = (await ok(['-n', ns, 'describe', 'configmap', 'settings'])).stdout;
  assert.match(cm, /^Name:\s+settings$/m);
  assert.match(cm, new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
  assert.match(cm, /^Labels:\s+app=demo$/m);
  assert.match(cm, /^Annotations:\s+<none>$/m);
  // kubectl ranges over the data map (Go map order is random), so the two keys come in either order.
  assert.match(cm, /^Data\n====\n(level:\n----\n3\n\nmode:\n----\nfast|mode:\n----\nfast\n\nlevel:\n----\n3)\n/m);
  assert.match(cm, /^Events:\s+<none>$/m);

  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'desc-dep.yaml', fixture('deployment.yaml'))]);
  const d = (await ok(['-n', ns, 'describe', 'deployment', 'web'])).stdout;
  assert.match(d, /^Name:\s+web$/m);
  assert.match(d, /^Labels:\s+app=web\n\s+tier=front$/m);
  assert.match(d, /^Selector:\s+app=web$/m);
  // The Deployment controller acts at once (no node runs the pods here), so the counts vary.
  assert.match(d, /^Replicas:\s+2 desired \| \d updated \| \d total \| \d available \| \d unavailable$/m);
  assert.match(d, /^StrategyType:\s+RollingUpdate$/m);
  assert.match(d, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
  assert.match(d, /^ {3}web:\n\s+Image:\s+nginx:1\.25\n\s+Port:\s+80\/TCP$/m);
  assert.match(d, /^ {3}sidecar:\n\s+Image:\s+busybox:1\.36$/m);
  assert.match(d, /^\s+sleep\n\s+3600$/m);
  // Events are listed by involvedObject field selectors.
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.e2e', namespace: ns },
    involvedObject: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      namespace: ns,
      uid: (await getJson(['-n', ns, 'deploy', 'web'])).metadata.uid,
    },
    reason: 'ScalingReplicaSet',
    message: 'Scaled up replica set web-abc to 2',
    type: 'Normal',
    source: { component: 'deployment-controller' },
    firstTimestamp: new Date().toISOString(),
    lastTimestamp: new Date().toISOString(),
    count: 1,
  };
  const created = await apiRequest(server, 'POST', `/api/v1/namespaces/${ns}/events`, event);
  assert.equal(created.status, 201, created.text);
  const d2 = (await ok(['-n', ns, 'describe', 'deployment', 'web'])).stdout;
  assert.match(
    d2,
    /^ {2}Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-abc to 2$/m,
  );
});

test('create -f and create <generator> for every kind kubectl generates (protobuf bodies)', async () => {
  const ns = await namespace('e2e-create');
  const path = await writeManifest(server, 'create-cm.yaml', fixture('configmap.yaml'));
  assert.equal((await ok(['-n', ns, 'create', '-f', path])).stdout, 'configmap/settings created\n');
  const again = await fails(['-n', ns, 'create', '-f', path]);
  assert.equal(
    again.stderr.trim(),
    `Error from server (AlreadyExists): error when creating "${path}": configmaps "settings" already exists`,
  );
  const cm = await getJson(['-n', ns, 'cm', 'settings'], true);
  assert.deepEqual(cm.data, { mode: 'fast', level: '3' });
  assert.equal(cm.metadata.managedFields?.[0]?.manager, 'kubectl-create');

  const cases: [string[], string][] = [
    [['configmap', 'cm1', '--from-literal=k=v', '--from-literal=k2=v2'], 'configmap/cm1 created'],
    [['secret', 'generic', 's1', '--from-literal=password=hunter2'], 'secret/s1 created'],
    [
      ['secret', 'docker-registry', 'reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'],
      'secret/reg created',
    ],
    [['deployment', 'd1', '--image=nginx:1.25', '--replicas=3', '--port=80'], 'deployment.apps/d1 created'],
    [['service', 'clusterip', 'svc1', '--tcp=80:8080'], 'service/svc1 created'],
    [['job', 'j1', '--image=busybox', '--', 'echo', 'hi'], 'job.batch/j1 created'],
    [['cronjob', 'cj1', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'], 'cronjob.batch/cj1 created'],
    [['serviceaccount', 'sa1'], 'serviceaccount/sa1 created'],
    [['role', 'r1', '--verb=get,list', '--resource=pods'], 'role.rbac.authorization.k8s.io/r1 created'],
    [
      ['rolebinding', 'rb1', '--role=r1', `--serviceaccount=${ns}:sa1`],
      'rolebinding.rbac.authorization.k8s.io/rb1 created',
    ],
    [
      ['clusterrole', 'e2e-cr1', '--verb=get', '--resource=nodes'],
      'clusterrole.rbac.authorization.k8s.io/e2e-cr1 created',
    ],
    [
      ['clusterrolebinding', 'e2e-crb1', '--clusterrole=e2e-cr1', '--user=alice'],
      'clusterrolebinding.rbac.authorization.k8s.io/e2e-crb1 created',
    ],
    [
      ['priorityclass', 'e2e-pc1', '--value=1000', '--description=e2e'],
      'priorityclass.scheduling.k8s.io/e2e-pc1 created',
    ],
    [
      ['poddisruptionbudget', 'pdb1', '--selector=app=d1', '--min-available=1'],
      'poddisruptionbudget.policy/pdb1 created',
    ],
    [['quota', 'q1', '--hard=pods=10,cpu=2'], 'resourcequota/q1 created'],
  ];
  for (const [args, printed] of cases) {
    const r = await ok(['-n', ns, 'create', ...args]);
    assert.equal(r.stdout.trim(), printed);
  }
  await ok(['create', 'namespace', 'e2e-create-generated']);
  assert.equal((await getJson(['namespace', 'e2e-create-generated'])).status.phase, 'Active');

  assert.deepEqual((await getJson(['-n', ns, 'cm', 'cm1'])).data, { k: 'v', k2: 'v2' });
  const s1 = await getJson(['-n', ns, 'secret', 's1']);
  assert.equal(s1.type, 'Opaque');
  assert.equal(Buffer.from(s1.data.password, 'base64').toString(), 'hunter2');
  const reg = await getJson(['-n', ns, 'secret', 'reg']);
  assert.equal(reg.type, 'kubernetes.io/dockerconfigjson');
  assert.equal(
    JSON.parse(Buffer.from(reg.data['.dockerconfigjson'], 'base64').toString()).auths['r.example'].username,
    'u',
  );
  const d1 = await getJson(['-n', ns, 'deploy', 'd1']);
  assert.equal(d1.spec.replicas, 3);
  assert.deepEqual(d1.spec.selector, { matchLabels: { app: 'd1' } });
  assert.equal(d1.spec.template.spec.containers[0].image, 'nginx:1.25');
  assert.equal(d1.spec.template.spec.containers[0].ports[0].containerPort, 80);
  assert.equal(d1.spec.strategy.type, 'RollingUpdate', 'defaulted');
  const svc = await getJson(['-n', ns, 'svc', 'svc1']);
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.deepEqual(
    svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.protocol]),
    [['80-8080', 80, 8080, 'TCP']],
  );
  assert.match(svc.spec.clusterIP, /^10\.43\./);
  const j1 = await getJson(['-n', ns, 'job', 'j1']);
  assert.deepEqual(j1.spec.template.spec.containers[0].command, ['echo', 'hi']);
  assert.equal(j1.spec.template.spec.restartPolicy, 'Never');
  const cj1 = await getJson(['-n', ns, 'cronjob', 'cj1']);
  assert.equal(cj1.spec.schedule, '*/5 * * * *');
  assert.deepEqual(cj1.spec.jobTemplate.spec.template.spec.containers[0].command, ['date']);
  assert.equal(cj1.spec.concurrencyPolicy, 'Allow', 'defaulted');
  const r1 = await getJson(['-n', ns, 'role', 'r1']);
  assert.deepEqual(r1.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
  const rb1 = await getJson(['-n', ns, 'rolebinding', 'rb1']);
  assert.deepEqual(rb1.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r1' });
  assert.deepEqual(rb1.subjects, [{ kind: 'ServiceAccount', name: 'sa1', namespace: ns }]);
  const crb = await getJson(['clusterrolebinding', 'e2e-crb1']);
  assert.deepEqual(crb.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }]);
  const pc = await getJson(['priorityclass', 'e2e-pc1']);
  assert.equal(pc.value, 1000);
  assert.equal(pc.description, 'e2e');
  assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
  const pdb = await getJson(['-n', ns, 'pdb', 'pdb1']);
  assert.equal(pdb.spec.minAvailable, 1);
  assert.deepEqual(pdb.spec.selector, { matchLabels: { app: 'd1' } });
  const q1 = await getJson(['-n', ns, 'quota', 'q1']);
  assert.deepEqual(q1.spec.hard, { pods: '10', cpu: '2' });

  // Tables of the generated kinds.
  let t = parseTable((await ok(['-n', ns, 'get', 'secrets'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'TYPE', 'DATA', 'AGE']);
  assert.deepEqual(
    t.rows.map((r) => r.slice(0, 3)),
    [
      ['reg', 'kubernetes.io/dockerconfigjson', '1'],
      ['s1', 'Opaque', '1'],
    ],
  );
  t = parseTable((await ok(['-n', ns, 'get', 'jobs'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
  assert.deepEqual(t.rows[0].slice(0, 3), ['j1', 'Running', '0/1']);
  t = parseTable((await ok(['-n', ns, 'get', 'cronjobs'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
  assert.deepEqual(t.rows[0].slice(0, 6), ['cj1', '*/5 * * * *', '<none>', 'False', '0', '<none>']);
  t = parseTable((await ok(['-n', ns, 'get', 'rolebindings', '-o', 'wide'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
  assert.deepEqual(
    [t.records[0].NAME, t.records[0].ROLE, t.records[0].SERVICEACCOUNTS],
    ['rb1', 'Role/r1', `${ns}/sa1`],
  );
  t = parseTable((await ok(['-n', ns, 'get', 'pdb'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
  assert.deepEqual(t.rows[0].slice(0, 4), ['pdb1', '1', 'N/A', '0']);
  t = parseTable((await ok(['get', 'priorityclass', 'e2e-pc1'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']);
  assert.deepEqual(t.rows[0].slice(0, 3), ['e2e-pc1', '1000', 'false']);
  t = parseTable((await ok(['-n', ns, 'get', 'serviceaccounts'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'SECRETS', 'AGE']);

  // --dry-run=server stores nothing; -o yaml --dry-run=client prints without sending.
  await ok(['-n', ns, 'create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server']);
  await fails(['-n', ns, 'get', 'cm', 'dry']);
  const clientDry = YAML.parse(
    (await ok(['-n', ns, 'create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=client', '-o', 'yaml'])).stdout,
  );
  assert.deepEqual(clientDry.data, { a: 'b' });

  // An invalid object: 422 with field paths as kubectl prints them.
  const bad = await fails(['-n', ns, 'create', 'deployment', 'Bad_Name', '--image=nginx']);
  assert.match(
    bad.stderr,
    /^error: failed to create deployment: Deployment\.apps "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/m,
  );
  await ok(['delete', 'clusterrolebinding', 'e2e-crb1']);
  await ok(['delete', 'clusterrole', 'e2e-cr1']);
  await ok(['delete', 'priorityclass', 'e2e-pc1']);
});

test('apply (client-side) twice: a removed container and a removed label are gone', async () => {
  const ns = await namespace('e2e-apply');
  const v1 = await writeManifest(server, 'apply-v1.yaml', fixture('deployment.yaml'));
  assert.equal((await ok(['-n', ns, 'apply', '-f', v1])).stdout, 'deployment.apps/web created\n');
  let d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(
    d.spec.template.spec.containers.map((c: any) => c.name),
    ['web', 'sidecar'],
  );
  const lastApplied = JSON.parse(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  assert.deepEqual(lastApplied.metadata.labels, { app: 'web', tier: 'front' });
  assert.equal(d.metadata.generation, 1);

  // v2: the sidecar container and the tier label removed, the image changed, a replica count changed.
  const doc = YAML.parse(fixture('deployment.yaml'));
  doc.spec.template.spec.containers = [{ ...doc.spec.template.spec.containers[0], image: 'nginx:1.27' }];
  delete doc.metadata.labels.tier;
  doc.spec.replicas = 4;
  const v2 = await writeManifest(server, 'apply-v2.yaml', YAML.stringify(doc));
  // A field set by someone else (not in the manifest) survives the apply.
  await ok(['-n', ns, 'annotate', 'deploy', 'web', 'owner=team-a']);
  const diff = await k(['-n', ns, 'diff', '-f', v2]);
  assert.equal(diff.code, 1, `kubectl diff exits 1 when there are differences: ${diff.stderr}`);
  assert.match(diff.stdout, /^-\s+- command:$/m);
  assert.equal((await ok(['-n', ns, 'apply', '-f', v2])).stdout, 'deployment.apps/web configured\n');
  d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(
    d.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`),
    ['web=nginx:1.27'],
  );
  assert.deepEqual(d.metadata.labels, { app: 'web' });
  assert.equal(d.spec.replicas, 4);
  assert.equal(d.metadata.annotations.owner, 'team-a');
  assert.equal(d.metadata.generation, 2);
  assert.equal((await ok(['-n', ns, 'apply', '-f', v2])).stdout, 'deployment.apps/web unchanged\n');
  assert.equal((await getJson(['-n', ns, 'deploy', 'web'])).metadata.generation, 2);
  const diff2 = await k(['-n', ns, 'diff', '-f', v2]);
  assert.equal(diff2.code, 0, `no differences left: ${diff2.stdout}${diff2.stderr}`);

  // apply of a directory-like multi-document stream; --prune is not needed for this.
  const multi = await writeManifest(
    server,
    'apply-multi.yaml',
    `${fixture('configmap.yaml')}---\n${fixture('service.yaml')}`,
  );
  assert.equal(
    (await ok(['-n', ns, 'apply', '-f', multi])).stdout,
    'configmap/settings created\nservice/web created\n',
  );
  // A dry run changes nothing.
  const dry = YAML.parse(fixture('configmap.yaml'));
  dry.data.mode = 'slow';
  await ok([
    '-n',
    ns,
    'apply',
    '-f',
    await writeManifest(server, 'apply-dry.yaml', YAML.stringify(dry)),
    '--dry-run=server',
  ]);
  assert.equal((await getJson(['-n', ns, 'cm', 'settings'])).data.mode, 'fast');
});

test('apply --server-side: conflict with another manager, then --force-conflicts', async () => {
  const ns = await namespace('e2e-ssa');
  const path = await writeManifest(server, 'ssa.yaml', fixture('deployment.yaml'));
  assert.equal(
    (await ok(['-n', ns, 'apply', '--server-side', '-f', path])).stdout,
    'deployment.apps/web serverside-applied\n',
  );
  let d = await getJson(['-n', ns, 'deploy', 'web'], true);
  assert.deepEqual(
    d.metadata.managedFields
      .filter((m: any) => m.manager !== 'kube-controller-manager')
      .map((m: any) => `${m.manager}/${m.operation}`),
    ['kubectl/Apply'],
  );
  assert.equal(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);

  // Another manager takes spec.replicas.
  await ok(['-n', ns, 'scale', 'deploy', 'web', '--replicas=5']);
  const conflict = await fails(['-n', ns, 'apply', '--server-side', '-f', path]);
  assert.match(
    conflict.stderr,
    /Apply failed with 1 conflict: conflict with "kubectl[^"]*"( using apps\/v1)?: \.spec\.replicas/,
  );
  assert.equal((await getJson(['-n', ns, 'deploy', 'web'])).spec.replicas, 5, 'nothing changed on conflict');

  // A second applier with its own field manager conflicts on the image.
  const doc = YAML.parse(fixture('deployment.yaml'));
  doc.spec.template.spec.containers[0].image = 'nginx:1.27';
  delete doc.spec.replicas;
  const other = await writeManifest(server, 'ssa-other.yaml', YAML.stringify(doc));
  const c2 = await fails(['-n', ns, 'apply', '--server-side', '--field-manager=team-b', '-f', other]);
  // Only the image differs: same-valued fields (labels, ports, ...) are co-owned, not conflicts.
  assert.match(
    c2.stderr,
    /^error: Apply failed with 1 conflict: conflict with "kubectl"( using apps\/v1)?: \.spec\.template\.spec\.containers\[name="web"\]\.image$/m,
  );

  const forced = await ok(['-n', ns, 'apply', '--server-side', '--force-conflicts', '-f', path]);
  assert.equal(forced.stdout, 'deployment.apps/web serverside-applied\n');
  d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.equal(d.spec.replicas, 2);
  await ok(['-n', ns, 'apply', '--server-side', '--force-conflicts', '--field-manager=team-b', '-f', other]);
  d = await getJson(['-n', ns, 'deploy', 'web'], true);
  assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
  const managers = d.metadata.managedFields
    .map((m: any) => m.manager)
    .filter((m: string) => m !== 'kube-controller-manager')
    .sort();
  assert.deepEqual(managers, ['kubectl', 'team-b']);
  // The image moved to team-b: kubectl's entry no longer lists it.
  const kubectlFields = JSON.stringify(d.metadata.managedFields.find((m: any) => m.manager === 'kubectl').fieldsV1);
  const teamB = JSON.stringify(d.metadata.managedFields.find((m: any) => m.manager === 'team-b').fieldsV1);
  assert.ok(teamB.includes('"f:image"'));
  assert.ok(!/k:\{\\"name\\":\\"web\\"\}":\{[^}]*"f:image"/.test(kubectlFields), kubectlFields);

  // --dry-run=server with server-side apply changes nothing.
  const dryDoc = YAML.parse(fixture('deployment.yaml'));
  dryDoc.spec.replicas = 9;
  await ok([
    '-n',
    ns,
    'apply',
    '--server-side',
    '--force-conflicts',
    '--dry-run=server',
    '-f',
    await writeManifest(server, 'ssa-dry.yaml', YAML.stringify(dryDoc)),
  ]);
  assert.equal((await getJson(['-n', ns, 'deploy', 'web'])).spec.replicas, 2);
});

test('replace: with the current resourceVersion, and a stale one gives 409 Conflict', async () => {
  const ns = await namespace('e2e-replace');
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'replace-cm.yaml', fixture('configmap.yaml'))]);
  const current = YAML.parse((await ok(['-n', ns, 'get', 'cm', 'settings', '-o', 'yaml'])).stdout);
  current.data.mode = 'slow';
  const path = await writeManifest(server, 'replace-edit.yaml', YAML.stringify(current));
  assert.equal((await ok(['-n', ns, 'replace', '-f', path])).stdout, 'configmap/settings replaced\n');
  const after = await getJson(['-n', ns, 'cm', 'settings']);
  assert.equal(after.data.mode, 'slow');
  assert.ok(BigInt(after.metadata.resourceVersion) > BigInt(current.metadata.resourceVersion));
  assert.equal(after.metadata.uid, current.metadata.uid);
  // Same file again: its resourceVersion is now stale.
  const stale = await fails(['-n', ns, 'replace', '-f', path]);
  assert.equal(
    stale.stderr.trim(),
    `Error from server (Conflict): error when replacing "${path}": Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again`,
  );
  // Without a resourceVersion the replace is unconditional.
  delete current.metadata.resourceVersion;
  current.data.mode = 'medium';
  await ok(['-n', ns, 'replace', '-f', await writeManifest(server, 'replace-norv.yaml', YAML.stringify(current))]);
  assert.equal((await getJson(['-n', ns, 'cm', 'settings'])).data.mode, 'medium');
  // replace --force deletes and recreates (new uid).
  await ok([
    '-n',
    ns,
    'replace',
    '--force',
    '-f',
    await writeManifest(server, 'replace-force.yaml', fixture('configmap.yaml')),
  ]);
  const forced = await getJson(['-n', ns, 'cm', 'settings']);
  assert.notEqual(forced.metadata.uid, current.metadata.uid);
  assert.equal(forced.data.mode, 'fast');

  // The same through the API: two writers, one stale.
  const base = `/api/v1/namespaces/${ns}/configmaps/settings`;
  const got = await apiRequest(server, 'GET', base);
  const first = await apiRequest(server, 'PUT', base, { ...got.json, data: { mode: 'a' } });
  assert.equal(first.status, 200, first.text);
  const second = await apiRequest(server, 'PUT', base, { ...got.json, data: { mode: 'b' } });
  assert.equal(second.status, 409);
  assert.equal(second.json.kind, 'Status');
  assert.equal(second.json.reason, 'Conflict');
  assert.equal(second.json.details.name, 'settings');
  assert.equal(second.json.details.kind, 'configmaps');
  assert.equal((await getJson(['-n', ns, 'cm', 'settings'])).data.mode, 'a');
});

test('edit: EDITOR is a script that changes the file; kubectl sends the change', async () => {
  const ns = await namespace('e2e-edit');
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'edit-dep.yaml', fixture('deployment.yaml'))]);
  const editor = join(server.dataDir, 'editor.sh');
  await writeFile(
    editor,
    '#!/bin/sh\nset -e\nsed -i -e "s/image: nginx:1.25/image: nginx:1.26/" -e "s/replicas: 2/replicas: 3/" "$1"\n',
  );
  await chmod(editor, 0o755);
  const r = await ok(['-n', ns, 'edit', 'deployment', 'web'], {
    env: { EDITOR: editor, KUBE_EDITOR: editor, TMPDIR: server.dataDir },
  });
  assert.equal(r.stdout, 'deployment.apps/web edited\n');
  const d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.26');
  assert.equal(d.spec.template.spec.containers[1].image, 'busybox:1.36');
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.metadata.generation, 2);

  // An editor that changes nothing: "Edit cancelled, no changes made."
  const noop = join(server.dataDir, 'noop-editor.sh');
  await writeFile(noop, '#!/bin/sh\ntrue\n');
  await chmod(noop, 0o755);
  const cancelled = await ok(['-n', ns, 'edit', 'deployment', 'web'], {
    env: { EDITOR: noop, KUBE_EDITOR: noop, TMPDIR: server.dataDir },
  });
  assert.match(cancelled.stderr, /Edit cancelled, no changes made\./);

  // An editor that makes the object invalid: kubectl reports the server's 422 and keeps a copy.
  const breaker = join(server.dataDir, 'bad-editor.sh');
  await writeFile(breaker, '#!/bin/sh\nsed -i -e "s/replicas: 3/replicas: -1/" "$1"\n');
  await chmod(breaker, 0o755);
  const invalid = await k(['-n', ns, 'edit', 'deployment', 'web'], {
    env: { EDITOR: breaker, KUBE_EDITOR: breaker, TMPDIR: server.dataDir },
  });
  assert.notEqual(invalid.code, 0);
  assert.match(invalid.stderr, /^error: deployments\.apps "web" is invalid$/m);
  const copy = /A copy of your changes has been stored to "([^"]+)"/.exec(invalid.stderr)?.[1];
  assert.ok(copy, invalid.stderr);
  assert.match(
    await readFile(copy, 'utf8'),
    /^# \* spec\.replicas: Invalid value: -1: must be greater than or equal to 0$/m,
  );
  await rm(copy, { force: true });
  assert.equal((await getJson(['-n', ns, 'deploy', 'web'])).spec.replicas, 3);
});

test('patch: strategic merge (containers by name), merge (null deletes) and JSON patch', async () => {
  const ns = await namespace('e2e-patch');
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'patch-dep.yaml', fixture('deployment.yaml'))]);
  // strategic: patch one container by name, others kept; add an env list entry.
  const r = await ok([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '-p',
    '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37","env":[{"name":"A","value":"1"}]}]}}}}',
  ]);
  assert.equal(r.stdout, 'deployment.apps/web patched\n');
  let d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(
    d.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`),
    ['web=nginx:1.25', 'sidecar=busybox:1.37'],
  );
  assert.deepEqual(d.spec.template.spec.containers[1].env, [{ name: 'A', value: '1' }]);
  // strategic $patch: delete directive removes a container.
  await ok([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '--type=strategic',
    '-p',
    '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}',
  ]);
  d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(
    d.spec.template.spec.containers.map((c: any) => c.name),
    ['web'],
  );
  // merge: lists are replaced wholesale, null deletes a key.
  await ok([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '--type=merge',
    '-p',
    '{"metadata":{"labels":{"tier":null,"x":"y"}},"spec":{"template":{"spec":{"containers":[{"name":"only","image":"redis:7"}]}}}}',
  ]);
  d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(d.metadata.labels, { app: 'web', x: 'y' });
  assert.deepEqual(
    d.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`),
    ['only=redis:7'],
  );
  // json: add, replace, remove, and a failing test op leaves the object alone.
  await ok([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'replace', path: '/spec/replicas', value: 6 },
      { op: 'add', path: '/metadata/annotations', value: { note: 'json' } },
      { op: 'remove', path: '/metadata/labels/x' },
    ]),
  ]);
  d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.equal(d.spec.replicas, 6);
  assert.equal(d.metadata.annotations.note, 'json');
  assert.deepEqual(d.metadata.labels, { app: 'web' });
  const failed = await fails([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '--type=json',
    '-p',
    '[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":1}]',
  ]);
  assert.match(failed.stderr, /testing value \/spec\/replicas failed/);
  // The controllers write status meanwhile, so the refused patch is checked on its field, not the resourceVersion.
  assert.equal((await getJson(['-n', ns, 'deploy', 'web'])).spec.replicas, 6);
  // A patch that makes the object invalid is refused with the field path.
  const invalid = await fails([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '--type=merge',
    '-p',
    '{"spec":{"replicas":-3}}',
  ]);
  assert.match(invalid.stderr, /spec\.replicas: Invalid value: -3: must be greater than or equal to 0/);
  // A no-op patch says so.
  const noop = await ok(['-n', ns, 'patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":6}}']);
  assert.equal(noop.stdout, 'deployment.apps/web patched (no change)\n');
  // Patch of a missing object.
  const missing = await fails(['-n', ns, 'patch', 'cm', 'nope', '-p', '{"data":{"a":"b"}}']);
  assert.equal(missing.stderr.trim(), 'Error from server (NotFound): configmaps "nope" not found');
});

test('label and annotate: add, --overwrite, removal with key-, selectors', async () => {
  const ns = await namespace('e2e-label');
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'label-cm.yaml', fixture('configmap.yaml'))]);
  await ok(['-n', ns, 'create', 'configmap', 'second']);
  assert.equal((await ok(['-n', ns, 'label', 'cm', 'settings', 'env=prod'])).stdout, 'configmap/settings labeled\n');
  const refused = await fails(['-n', ns, 'label', 'cm', 'settings', 'env=dev']);
  assert.equal(refused.stderr.trim(), "error: 'env' already has a value (prod), and --overwrite is false");
  await ok(['-n', ns, 'label', 'cm', 'settings', 'env=dev', '--overwrite']);
  assert.deepEqual((await getJson(['-n', ns, 'cm', 'settings'])).metadata.labels, { app: 'demo', env: 'dev' });
  assert.equal((await ok(['-n', ns, 'label', 'cm', 'settings', 'env-'])).stdout, 'configmap/settings unlabeled\n');
  assert.deepEqual((await getJson(['-n', ns, 'cm', 'settings'])).metadata.labels, { app: 'demo' });
  const badLabel = await fails(['-n', ns, 'label', 'cm', 'settings', 'bad=-value-']);
  assert.match(badLabel.stderr, /invalid label value|Invalid value/);
  // --all and -l
  await ok(['-n', ns, 'label', 'cm', '--all', 'batch=one']);
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-l', 'batch=one', '-o', 'name'])).stdout),
    'configmap/second\nconfigmap/settings\n',
  );
  await ok(['-n', ns, 'label', 'cm', '-l', 'app=demo', 'picked=yes']);
  assert.equal((await ok(['-n', ns, 'get', 'cm', '-l', 'picked', '-o', 'name'])).stdout, 'configmap/settings\n');

  assert.equal(
    (await ok(['-n', ns, 'annotate', 'cm', 'settings', 'note=hello', 'other=x'])).stdout,
    'configmap/settings annotated\n',
  );
  const refusedA = await fails(['-n', ns, 'annotate', 'cm', 'settings', 'note=again']);
  assert.equal(
    refusedA.stderr.trim(),
    "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello)",
  );
  await ok(['-n', ns, 'annotate', 'cm', 'settings', 'note=again', '--overwrite']);
  assert.deepEqual((await getJson(['-n', ns, 'cm', 'settings'])).metadata.annotations, { note: 'again', other: 'x' });
  await ok(['-n', ns, 'annotate', 'cm', 'settings', 'note-']);
  assert.deepEqual((await getJson(['-n', ns, 'cm', 'settings'])).metadata.annotations, { other: 'x' });
  await ok(['-n', ns, 'annotate', 'cm', 'settings', 'other-']);
  await ok(['-n', ns, 'label', 'cm', 'second', 'batch-']);
  const emptied = await getJson(['-n', ns, 'cm', 'settings']);
  // Kubernetes drops empty maps (Go omitempty): no `annotations: {}` left behind.
  assert.equal(emptied.metadata.annotations, undefined, `annotations: ${JSON.stringify(emptied.metadata.annotations)}`);
  assert.equal((await getJson(['-n', ns, 'cm', 'second'])).metadata.labels, undefined);
});

test('scale: deployments, statefulsets, --current-replicas precondition, and the Scale subresource', async () => {
  const ns = await namespace('e2e-scale');
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'scale-dep.yaml', fixture('deployment.yaml'))]);
  assert.equal(
    (await ok(['-n', ns, 'scale', 'deployment', 'web', '--replicas=5'])).stdout,
    'deployment.apps/web scaled\n',
  );
  const d = await getJson(['-n', ns, 'deploy', 'web']);
  assert.equal(d.spec.replicas, 5);
  assert.equal(d.metadata.generation, 2);
  const pre = await fails(['-n', ns, 'scale', 'deployment', 'web', '--current-replicas=3', '--replicas=1']);
  assert.match(pre.stderr, /^error: Expected replicas to be 3, was 5$/m);
  assert.equal((await getJson(['-n', ns, 'deploy', 'web'])).spec.replicas, 5);
  await ok(['-n', ns, 'scale', 'deployment', 'web', '--current-replicas=5', '--replicas=0']);
  assert.equal((await getJson(['-n', ns, 'deploy', 'web'])).spec.replicas, 0);
  const scale = await apiRequest(server, 'GET', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`);
  assert.equal(scale.status, 200, scale.text);
  assert.equal(scale.json.kind, 'Scale');
  assert.equal(scale.json.apiVersion, 'autoscaling/v1');
  assert.equal(scale.json.spec.replicas, 0);
  assert.equal(scale.json.status.selector, 'app=web');
  const negative = await fails(['-n', ns, 'scale', 'deployment', 'web', '--replicas=-1']);
  assert.match(negative.stderr, /replicas|Invalid/);

  const sts = YAML.parse(fixture('deployment.yaml'));
  sts.kind = 'StatefulSet';
  sts.metadata.name = 'db';
  sts.spec.serviceName = 'db';
  await ok(['-n', ns, 'apply', '-f', await writeManifest(server, 'scale-sts.yaml', YAML.stringify(sts))]);
  assert.equal(
    (await ok(['-n', ns, 'scale', 'statefulset', 'db', '--replicas=3'])).stdout,
    'statefulset.apps/db scaled\n',
  );
  assert.equal((await getJson(['-n', ns, 'sts', 'db'])).spec.replicas, 3);
  const t = parseTable((await ok(['-n', ns, 'get', 'sts'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'AGE']);
  assert.deepEqual(t.rows[0].slice(0, 2), ['db', '0/3']);
});

test('wait: --for=jsonpath on a field patched meanwhile, --for=delete, and a timeout', async () => {
  const ns = await namespace('e2e-wait');
  await ok(['-n', ns, 'create', 'configmap', 'flag', '--from-literal=state=pending']);
  const waiting = await watching([
    '-n',
    ns,
    'wait',
    'configmap/flag',
    '--for=jsonpath={.data.state}=ready',
    '--timeout=20s',
  ]);
  await ok(['-n', ns, 'patch', 'configmap', 'flag', '--type=merge', '-p', '{"data":{"state":"ready"}}']);
  const w = await waiting.done;
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.stdout, 'configmap/flag condition met\n');

  // Already true: returns at once.
  const now = await ok(['-n', ns, 'wait', 'configmap/flag', '--for=jsonpath={.data.state}=ready', '--timeout=5s']);
  assert.equal(now.stdout, 'configmap/flag condition met\n');

  // A condition on a status field patched through the status subresource.
  await ok(['-n', ns, 'create', 'deployment', 'd', '--image=nginx']);
  const cond = await watching(['-n', ns, 'wait', 'deployment/d', '--for=condition=Available', '--timeout=20s']);
  const st = await apiRequest(
    server,
    'PATCH',
    `/apis/apps/v1/namespaces/${ns}/deployments/d/status`,
    {
      status: {
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'ok',
            lastUpdateTime: new Date().toISOString(),
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      },
    },
    { headers: { 'content-type': 'application/merge-patch+json' } },
  );
  assert.equal(st.status, 200, st.text);
  const c = await cond.done;
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout, 'deployment.apps/d condition met\n');

  // --for=delete
  const del = await watching(['-n', ns, 'wait', 'configmap/flag', '--for=delete', '--timeout=20s']);
  await ok(['-n', ns, 'delete', 'configmap', 'flag', '--wait=false']);
  const dr = await del.done;
  assert.equal(dr.code, 0, dr.stderr);
  assert.equal(dr.stdout, 'configmap/flag condition met\n');

  // A timeout: exit 1 with kubectl's message.
  await ok(['-n', ns, 'create', 'configmap', 'never', '--from-literal=state=pending']);
  const timeout = await fails([
    '-n',
    ns,
    'wait',
    'configmap/never',
    '--for=jsonpath={.data.state}=ready',
    '--timeout=1s',
  ]);
  assert.match(timeout.stderr, /timed out waiting for the condition on configmaps\/never/);
});

test('explain: kinds and nested fields from OpenAPI v3', async () => {
  const pods = await ok(['explain', 'pods']);
  assert.match(pods.stdout, /^KIND:\s+Pod$/m);
  assert.match(pods.stdout, /^VERSION:\s+v1$/m);
  assert.match(pods.stdout, /^FIELDS:$/m);
  assert.match(pods.stdout, /^ {2}spec\t<PodSpec>$/m);
  const replicas = await ok(['explain', 'deployment.spec.replicas']);
  assert.match(replicas.stdout, /^GROUP:\s+apps$/m);
  assert.match(replicas.stdout, /^KIND:\s+Deployment$/m);
  assert.match(replicas.stdout, /^FIELD: replicas <integer>$/m);
  const containers = await ok(['explain', 'pod.spec.containers.image']);
  assert.match(containers.stdout, /^FIELD: image <string>$/m);
  const recursive = await ok(['explain', 'configmap', '--recursive']);
  assert.match(recursive.stdout, /^ {2}data\t<map\[string\]string>$/m);
  const missing = await fails(['explain', 'deployment.spec.nope']);
  assert.match(missing.stderr, /field "nope" does not exist/);
});

/** Creates a ConfigMap `owner` and `count` dependents whose ownerReferences point at it. */
async function ownerWithDependents(ns: string, count: number, blockOwnerDeletion = false): Promise<string> {
  await ok(['-n', ns, 'create', 'configmap', 'owner', '--from-literal=a=1']);
  const uid = (await getJson(['-n', ns, 'cm', 'owner'])).metadata.uid as string;
  for (let i = 0; i < count; i++) {
    const dep = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `dep-${i}`,
        namespace: ns,
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid, blockOwnerDeletion }],
      },
    };
    const r = await apiRequest(server, 'POST', `/api/v1/namespaces/${ns}/configmaps`, dep);
    assert.equal(r.status, 201, r.text);
  }
  return uid;
}
async function names(ns: string): Promise<string[]> {
  return withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-o', 'name'])).stdout)
    .split('\n')
    .filter(Boolean)
    .sort();
}

test('delete: by name, -l, --all, --wait=false, --ignore-not-found, --dry-run, NotFound', async () => {
  const ns = await namespace('e2e-delete');
  for (const n of ['a', 'b', 'c', 'd']) await ok(['-n', ns, 'create', 'configmap', n]);
  await ok(['-n', ns, 'label', 'cm', 'b', 'c', 'group=x']);
  assert.equal((await ok(['-n', ns, 'delete', 'cm', 'a'])).stdout, 'configmap "a" deleted\n');
  assert.equal(
    (await ok(['-n', ns, 'delete', 'cm', '-l', 'group=x'])).stdout,
    'configmap "b" deleted\nconfigmap "c" deleted\n',
  );
  const dry = await ok(['-n', ns, 'delete', 'cm', 'd', '--dry-run=server']);
  assert.equal(dry.stdout, 'configmap "d" deleted (server dry run)\n');
  assert.deepEqual(await names(ns), ['configmap/d']);
  assert.equal((await ok(['-n', ns, 'delete', 'cm', 'd', '--wait=false'])).stdout, 'configmap "d" deleted\n');
  const nf = await fails(['-n', ns, 'delete', 'cm', 'd']);
  assert.equal(nf.stderr.trim(), 'Error from server (NotFound): configmaps "d" not found');
  assert.equal((await ok(['-n', ns, 'delete', 'cm', 'd', '--ignore-not-found'])).stdout, '');
  for (const n of ['x', 'y']) await ok(['-n', ns, 'create', 'configmap', n]);
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'delete', 'cm', '--all'])).stdout),
    'configmap "x" deleted\nconfigmap "y" deleted\n',
  );
  assert.deepEqual(await names(ns), []);
  // A finalizer holds the object in Terminating until it is removed; --wait=false returns at once.
  const fin = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'held', finalizers: ['e2e.flotilla.dev/hold'] },
  };
  assert.equal((await apiRequest(server, 'POST', `/api/v1/namespaces/${ns}/configmaps`, fin)).status, 201);
  await ok(['-n', ns, 'delete', 'cm', 'held', '--wait=false']);
  const held = await getJson(['-n', ns, 'cm', 'held']);
  assert.ok(held.metadata.deletionTimestamp, 'deletionTimestamp set');
  const waiting = await watching(['-n', ns, 'delete', 'cm', 'held', '--timeout=20s']);
  const rm = await apiRequest(
    server,
    'PATCH',
    `/api/v1/namespaces/${ns}/configmaps/held`,
    { metadata: { finalizers: null } },
    { headers: { 'content-type': 'application/merge-patch+json' } },
  );
  assert.equal(rm.status, 200, rm.text);
  const w = await waiting.done;
  assert.equal(w.code, 0, w.stderr);
  assert.deepEqual(await names(ns), []);
});

test('delete --cascade=orphan keeps dependents and removes their ownerReferences', async () => {
  const ns = await namespace('e2e-orphan');
  await ownerWithDependents(ns, 2);
  const r = await ok(['-n', ns, 'delete', 'cm', 'owner', '--cascade=orphan', '--timeout=15s'], { timeoutMs: 25_000 });
  assert.equal(r.stdout, 'configmap "owner" deleted\n');
  assert.deepEqual(await names(ns), ['configmap/dep-0', 'configmap/dep-1']);
  await until(
    'ownerReferences removed from the orphans',
    async () => {
      const list = await getJson(['-n', ns, 'cm']);
      return list.items.every((i: any) => !i.metadata.ownerReferences?.length);
    },
    { timeoutMs: 15_000 },
  );
});

test('delete --cascade=background removes dependents after the owner', async () => {
  const ns = await namespace('e2e-background');
  await ownerWithDependents(ns, 3);
  const r = await ok(['-n', ns, 'delete', 'cm', 'owner', '--cascade=background']);
  assert.equal(r.stdout, 'configmap "owner" deleted\n');
  assert.ok(!(await names(ns)).includes('configmap/owner'));
  await until('dependents garbage-collected', async () => (await names(ns)).length === 0, { timeoutMs: 15_000 });
});

test('delete --cascade=foreground --wait returns once the dependents are gone', async () => {
  const ns = await namespace('e2e-foreground');
  await ownerWithDependents(ns, 3, true);
  const r = await k(['-n', ns, 'delete', 'cm', 'owner', '--cascade=foreground', '--timeout=15s'], {
    timeoutMs: 25_000,
  });
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, 'configmap "owner" deleted\n');
  assert.deepEqual(await names(ns), []);
});

test('delete namespace: kubectl waits until its objects and the namespace are gone', async () => {
  const ns = await namespace('e2e-nsdelete');
  await ok(['-n', ns, 'create', 'configmap', 'a']);
  await ok(['-n', ns, 'create', 'deployment', 'd', '--image=nginx']);
  const r = await k(['delete', 'namespace', ns, '--timeout=15s'], { timeoutMs: 25_000 });
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, `namespace "${ns}" deleted\n`);
  const gone = await fails(['get', 'namespace', ns]);
  assert.equal(gone.stderr.trim(), `Error from server (NotFound): namespaces "${ns}" not found`);
  // Objects of a deleted namespace are gone from the store (all-namespace list).
  assert.equal(
    (await ok(['get', 'cm,deploy', '-A', '--field-selector', `metadata.namespace=${ns}`, '-o', 'name'])).stdout,
    '',
  );
});

test('delete deployment: two levels of dependents (ReplicaSet, then its Pod) are collected, by kubectl delete with both cascades', async () => {
  const ns = await namespace('e2e-cascade-deep');
  for (const [name, cascade] of [
    ['bg', 'background'],
    ['fg', 'foreground'],
  ] as const) {
    await ok(['-n', ns, 'create', 'deployment', name, '--image=nginx']);
    const dep = await getJson(['-n', ns, 'deploy', name]);
    const rs = await apiRequest(server, 'POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${name}-rs`,
        labels: { app: name },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name,
            uid: dep.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: dep.spec.template },
    });
    assert.equal(rs.status, 201, rs.text);
    const pod = await apiRequest(server, 'POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${name}-pod`,
        labels: { app: name },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${name}-rs`,
            uid: rs.json.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
    });
    assert.equal(pod.status, 201, pod.text);
    const r = await k(['-n', ns, 'delete', 'deployment', name, `--cascade=${cascade}`, '--timeout=15s'], {
      timeoutMs: 25_000,
    });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, `deployment.apps "${name}" deleted\n`);
    if (cascade === 'foreground') {
      // kubectl waited for the owner, which foreground deletion removes only after its dependents.
      assert.equal((await ok(['-n', ns, 'get', 'rs,pods', '-l', `app=${name}`, '-o', 'name'])).stdout, '');
    }
    await until(
      `${cascade}: ReplicaSet and Pod collected`,
      async () => (await ok(['-n', ns, 'get', 'rs,pods', '-l', `app=${name}`, '-o', 'name'])).stdout === '',
      { timeoutMs: 15_000 },
    );
  }
});
