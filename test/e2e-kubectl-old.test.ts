/**
 * End to end with the oldest supported kubectl (1.27) against a real `flotilla server` on SQLite:
 * the essentials (get, apply twice, create generators, scale, patch, delete). kubectl 1.27 takes
 * patch metadata and validation from protobuf /openapi/v2, which `apply` needs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Service } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import YAML from 'yaml';
import type { KubeObject } from '../src/api/object.js';
import { kubectlVersions, startTestServer, type KubectlResult, type TestServer } from './helpers/cluster.js';
import { fixture, parseTable, withoutRootCa, writeManifest } from './helpers/e2e.js';

const VERSION = '1.27';
const skip = kubectlVersions().includes(VERSION) ? false : `kubectl ${VERSION} is not installed`;
let server: TestServer;

before(async () => {
  if (!skip) server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

async function k(args: string[]): Promise<KubectlResult> {
  return server.kubectl(args, { version: VERSION });
}
async function ok(args: string[]): Promise<KubectlResult> {
  const r = await k(args);
  assert.equal(
    r.code,
    0,
    `kubectl ${VERSION} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  return r;
}
type Deploy = KubeObject & Deployment;

/** `kubectl get -o json`, read as the type the caller names. */
async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await ok(['get', ...args, '-o', 'json'])).stdout);
}
async function namespace(name: string): Promise<string> {
  await ok(['create', 'namespace', name]);
  return name;
}

test(`kubectl ${VERSION}: version and discovery`, { skip }, async () => {
  const v = JSON.parse((await ok(['version', '-o', 'json'])).stdout);
  assert.equal(`${v.clientVersion.major}.${v.clientVersion.minor}`, VERSION);
  assert.match(v.serverVersion.gitVersion, /^v1\.\d+\.\d+/);
  const t = parseTable((await ok(['api-resources'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
  assert.deepEqual(
    t.records.find((r) => r.NAME === 'deployments'),
    { NAME: 'deployments', SHORTNAMES: 'deploy', APIVERSION: 'apps/v1', NAMESPACED: 'true', KIND: 'Deployment' },
  );
});

test(`kubectl ${VERSION}: get tables, -o wide/yaml/name, -l, -A, --field-selector`, { skip }, async () => {
  const ns = await namespace('old-get');
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'old-pod.yaml', fixture('pod.yaml'))]);
  await ok(['-n', ns, 'create', '-f', await writeManifest(server, 'old-cm.yaml', fixture('configmap.yaml'))]);
  // Zero replicas keep the table still while the controllers run in the server (no node runs pods here).
  await ok(['-n', ns, 'create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=0']);
  let t = parseTable((await ok(['-n', ns, 'get', 'pods'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.deepEqual(t.rows[0].slice(0, 4), ['p1', '0/1', 'Pending', '0']);
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
  t = parseTable((await ok(['-n', ns, 'get', 'deploy'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
  assert.deepEqual(t.rows[0].slice(0, 4), ['web', '0/0', '0', '0']);
  t = parseTable((await ok(['-n', ns, 'get', 'cm', '--show-labels'])).stdout);
  assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE', 'LABELS']);
  assert.deepEqual(t.records.find((r) => r.NAME === 'settings')?.LABELS, 'app=demo');
  const y = YAML.parse((await ok(['-n', ns, 'get', 'cm', 'settings', '-o', 'yaml'])).stdout);
  assert.deepEqual(y.data, { mode: 'fast', level: '3' });
  assert.equal((await ok(['-n', ns, 'get', 'cm', '-l', 'app=demo', '-o', 'name'])).stdout, 'configmap/settings\n');
  assert.equal(
    (await ok(['-n', ns, 'get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name'])).stdout,
    'pod/p1\n',
  );
  t = parseTable((await ok(['get', 'pods', '-A'])).stdout);
  assert.deepEqual(t.header, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.ok(t.records.some((r) => r.NAMESPACE === ns && r.NAME === 'p1'));
});

test(`kubectl ${VERSION}: apply twice, the second time without a container and a label`, { skip }, async () => {
  const ns = await namespace('old-apply');
  const v1 = await writeManifest(server, 'old-apply-v1.yaml', fixture('deployment.yaml'));
  assert.equal((await ok(['-n', ns, 'apply', '-f', v1])).stdout, 'deployment.apps/web created\n');
  const doc = YAML.parse(fixture('deployment.yaml'));
  doc.spec.template.spec.containers = doc.spec.template.spec.containers.slice(0, 1);
  delete doc.metadata.labels.tier;
  const v2 = await writeManifest(server, 'old-apply-v2.yaml', YAML.stringify(doc));
  assert.equal((await ok(['-n', ns, 'apply', '-f', v2])).stdout, 'deployment.apps/web configured\n');
  const d = await getJson<Deploy>(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(
    d.spec?.template.spec?.containers.map((c) => c.name),
    ['web'],
  );
  assert.deepEqual(d.metadata.labels, { app: 'web' });
  assert.equal((await ok(['-n', ns, 'apply', '-f', v2])).stdout, 'deployment.apps/web unchanged\n');
});

test(`kubectl ${VERSION}: create generators (protobuf bodies)`, { skip }, async () => {
  const ns = await namespace('old-create');
  const cases: [string[], string][] = [
    [['configmap', 'cm1', '--from-literal=k=v'], 'configmap/cm1 created'],
    [['secret', 'generic', 's1', '--from-literal=p=q'], 'secret/s1 created'],
    [['deployment', 'd1', '--image=nginx', '--replicas=2'], 'deployment.apps/d1 created'],
    [['service', 'clusterip', 'svc1', '--tcp=80:8080'], 'service/svc1 created'],
    [['job', 'j1', '--image=busybox', '--', 'echo', 'hi'], 'job.batch/j1 created'],
    [['cronjob', 'cj1', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'], 'cronjob.batch/cj1 created'],
    [['serviceaccount', 'sa1'], 'serviceaccount/sa1 created'],
    [['role', 'r1', '--verb=get', '--resource=pods'], 'role.rbac.authorization.k8s.io/r1 created'],
    [['rolebinding', 'rb1', '--role=r1', '--user=bob'], 'rolebinding.rbac.authorization.k8s.io/rb1 created'],
    [
      ['clusterrole', 'old-cr1', '--verb=get', '--resource=nodes'],
      'clusterrole.rbac.authorization.k8s.io/old-cr1 created',
    ],
    [
      ['clusterrolebinding', 'old-crb1', '--clusterrole=old-cr1', '--group=devs'],
      'clusterrolebinding.rbac.authorization.k8s.io/old-crb1 created',
    ],
    [['priorityclass', 'old-pc1', '--value=10'], 'priorityclass.scheduling.k8s.io/old-pc1 created'],
    [
      ['poddisruptionbudget', 'pdb1', '--selector=app=d1', '--max-unavailable=1'],
      'poddisruptionbudget.policy/pdb1 created',
    ],
    [['quota', 'q1', '--hard=pods=5'], 'resourcequota/q1 created'],
  ];
  for (const [args, printed] of cases) {
    assert.equal((await ok(['-n', ns, 'create', ...args])).stdout.trim(), printed);
  }
  assert.equal((await getJson<Deploy>(['-n', ns, 'deploy', 'd1'])).spec?.replicas, 2);
  assert.deepEqual((await getJson<ConfigMap>(['-n', ns, 'cm', 'cm1'])).data, { k: 'v' });
  assert.deepEqual(
    (await getJson<Service>(['-n', ns, 'svc', 'svc1'])).spec?.ports?.map((p) => [p.port, p.targetPort]),
    [[80, 8080]],
  );
  assert.deepEqual((await getJson<ClusterRoleBinding>(['clusterrolebinding', 'old-crb1'])).subjects, [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' },
  ]);
  assert.equal((await getJson<PodDisruptionBudget>(['-n', ns, 'pdb', 'pdb1'])).spec?.maxUnavailable, 1);
  const names = (
    await ok(['-n', ns, 'get', 'cm,secret,deploy,svc,job,cronjob,sa,role,rolebinding,pdb,quota', '-o', 'name'])
  ).stdout
    .split('\n')
    .filter(Boolean);
  for (const n of [
    'configmap/cm1',
    'secret/s1',
    'deployment.apps/d1',
    'service/svc1',
    'job.batch/j1',
    'cronjob.batch/cj1',
    'serviceaccount/sa1',
    'role.rbac.authorization.k8s.io/r1',
    'rolebinding.rbac.authorization.k8s.io/rb1',
    'poddisruptionbudget.policy/pdb1',
    'resourcequota/q1',
  ]) {
    assert.ok(names.includes(n), `${n} in ${names.join(' ')}`);
  }
  await ok(['delete', 'clusterrolebinding', 'old-crb1']);
  await ok(['delete', 'clusterrole', 'old-cr1']);
  await ok(['delete', 'priorityclass', 'old-pc1']);
});

test(`kubectl ${VERSION}: scale and patch (strategic, merge, json)`, { skip }, async () => {
  const ns = await namespace('old-scale');
  await ok(['-n', ns, 'create', 'deployment', 'web', '--image=nginx:1.25']);
  assert.equal(
    (await ok(['-n', ns, 'scale', 'deployment', 'web', '--replicas=4'])).stdout,
    'deployment.apps/web scaled\n',
  );
  assert.equal((await getJson<Deploy>(['-n', ns, 'deploy', 'web'])).spec?.replicas, 4);
  const pre = await k(['-n', ns, 'scale', 'deployment', 'web', '--current-replicas=2', '--replicas=1']);
  assert.notEqual(pre.code, 0);
  assert.match(pre.stderr, /Expected replicas to be 2, was 4/);

  await ok([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '-p',
    '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}',
  ]);
  let d = await getJson<Deploy>(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(
    d.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`),
    ['side=busybox', 'nginx=nginx:1.25'],
  );
  await ok([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '--type=merge',
    '-p',
    '{"metadata":{"labels":{"app":null,"x":"1"}}}',
  ]);
  d = await getJson<Deploy>(['-n', ns, 'deploy', 'web']);
  assert.deepEqual(d.metadata.labels, { x: '1' });
  await ok([
    '-n',
    ns,
    'patch',
    'deployment',
    'web',
    '--type=json',
    '-p',
    '[{"op":"replace","path":"/spec/replicas","value":2}]',
  ]);
  assert.equal((await getJson<Deploy>(['-n', ns, 'deploy', 'web'])).spec?.replicas, 2);
});

test(`kubectl ${VERSION}: delete by name, -l, --all and NotFound`, { skip }, async () => {
  const ns = await namespace('old-delete');
  for (const n of ['a', 'b', 'c']) await ok(['-n', ns, 'create', 'configmap', n]);
  await ok(['-n', ns, 'label', 'cm', 'b', 'x=y']);
  assert.equal((await ok(['-n', ns, 'delete', 'cm', 'a'])).stdout, 'configmap "a" deleted\n');
  assert.equal((await ok(['-n', ns, 'delete', 'cm', '-l', 'x=y'])).stdout, 'configmap "b" deleted\n');
  assert.equal(
    withoutRootCa((await ok(['-n', ns, 'delete', 'cm', '--all', '--wait=false'])).stdout),
    'configmap "c" deleted\n',
  );
  const nf = await k(['-n', ns, 'delete', 'cm', 'a']);
  assert.notEqual(nf.code, 0);
  assert.equal(nf.stderr.trim(), 'Error from server (NotFound): configmaps "a" not found');
  assert.equal(withoutRootCa((await ok(['-n', ns, 'get', 'cm', '-o', 'name'])).stdout), '');
});
