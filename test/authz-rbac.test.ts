/**
 * Authorization with `--authorization-mode RBAC`, through the real kubectl: users are client
 * certificates signed by the cluster CA (CN = user, O = groups). Covers the 403 texts, a namespace
 * `edit` binding (filled by the aggregation controller), `auth can-i` (with `--list`),
 * `auth whoami`, the admin bypass and impersonation.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { HollowNodes } from '../src/agent/hollow/index.js';
import { createClient } from '../src/machinery/client/index.js';
import { issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { kubectl, startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({ extraArgs: ['--authorization-mode', 'RBAC'], readyTimeoutMs: 60_000 });
});
after(async () => {
  await server?.stop();
});

/** A kubeconfig for `user` (in `groups`) with a client certificate from the cluster CA. */
function userKubeconfig(user: string, groups: string[] = []): Promise<string> {
  return userKubeconfigFor(server, user, groups);
}

async function userKubeconfigFor(server: TestServer, user: string, groups: string[] = []): Promise<string> {
  const ca = {
    cert: await readFile(join(server.dataDir, 'tls', 'ca.crt'), 'utf8'),
    key: await readFile(join(server.dataDir, 'tls', 'ca.key'), 'utf8'),
  };
  const subject = [`CN=${user}`, ...groups.map((g) => `O=${g}`)].join(', ');
  const leaf = await issueLeaf(ca, { subject, usage: 'client', validDays: 1 });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const dir = join(server.dataDir, 'users', user.replace(/[^a-z0-9-]/gi, '_'));
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'kubeconfig.yaml');
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: flotilla
  cluster:
    server: ${server.url}
    certificate-authority-data: ${b64(ca.cert)}
users:
- name: ${user}
  user:
    client-certificate-data: ${b64(leaf.cert)}
    client-key-data: ${b64(leaf.key)}
contexts:
- name: ${user}
  context: {cluster: flotilla, user: ${user}}
current-context: ${user}
`,
  );
  return path;
}

const as = (kubeconfig: string) => (args: string[]) => kubectl(args, { kubeconfig });

test('a user without bindings is Forbidden, in Kubernetes words', async () => {
  const bob = as(await userKubeconfig('bob'));
  const pods = await bob(['get', 'pods', '-n', 'default']);
  assert.notEqual(pods.code, 0);
  assert.match(
    pods.stderr,
    /Error from server \(Forbidden\): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"/,
  );
  const secret = await bob(['get', 'secret', 'x', '-n', 'kube-system']);
  assert.match(
    secret.stderr,
    /secrets "x" is forbidden: User "bob" cannot get resource "secrets" in API group "" in the namespace "kube-system"/,
  );
  const nodes = await bob(['get', 'nodes']);
  assert.match(
    nodes.stderr,
    /nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope/,
  );
  // Discovery stays open to every authenticated user (system:discovery).
  assert.match(ok(await bob(['api-versions'])), /^apps\/v1$/m);
  const canI = await bob(['auth', 'can-i', 'list', 'pods']);
  assert.equal(canI.code, 1);
  assert.equal(canI.stdout.trim(), 'no');
});

test('edit in one namespace: workloads and its Secrets there, nothing elsewhere', async () => {
  const admin = (args: string[]) => server.kubectl(args);
  ok(await admin(['create', 'namespace', 'team-a']));
  ok(await admin(['create', 'namespace', 'team-b']));
  ok(await admin(['create', 'rolebinding', 'alice-edit', '--clusterrole=edit', '--user=alice', '-n', 'team-a']));
  // The aggregation controller fills edit from the aggregate-to-edit roles.
  await eventually(async () => {
    const r = await admin(['get', 'clusterrole', 'edit', '-o', 'json']);
    return r.code === 0 && ((JSON.parse(r.stdout) as { rules?: unknown[] }).rules ?? []).length > 0;
  }, 'edit to be aggregated');
  const aliceConfig = await userKubeconfig('alice', ['dev']);
  const alice = as(aliceConfig);
  ok(await alice(['create', 'deployment', 'web', '--image=nginx', '-n', 'team-a']));
  assert.match(ok(await alice(['get', 'deployments', '-n', 'team-a'])), /web/);
  ok(await alice(['create', 'secret', 'generic', 's1', '--from-literal=a=b', '-n', 'team-a']));
  assert.match(ok(await alice(['get', 'secrets', '-n', 'team-a'])), /s1/);

  const elsewhere = await alice(['get', 'secrets', '-n', 'team-b']);
  assert.match(
    elsewhere.stderr,
    /secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "team-b"/,
  );
  const clusterWide = await alice(['get', 'secrets', '-A']);
  assert.match(clusterWide.stderr, /User "alice" cannot list resource "secrets" in API group "" at the cluster scope/);
  const deploy = await alice(['create', 'deployment', 'web', '--image=nginx', '-n', 'team-b']);
  assert.match(
    deploy.stderr,
    /User "alice" cannot create resource "deployments" in API group "apps" in the namespace "team-b"/,
  );
  // edit does not grant RBAC itself.
  const rb = await alice(['create', 'rolebinding', 'x', '--clusterrole=admin', '--user=alice', '-n', 'team-a']);
  assert.match(rb.stderr, /cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io"/);

  assert.equal(ok(await alice(['auth', 'can-i', 'create', 'deployments', '-n', 'team-a'])).trim(), 'yes');
  assert.equal(ok(await alice(['auth', 'can-i', 'get', 'secrets', '-n', 'team-a'])).trim(), 'yes');
  const no = await alice(['auth', 'can-i', 'create', 'deployments', '-n', 'team-b']);
  assert.equal(no.code, 1);
  assert.equal(no.stdout.trim(), 'no');
  assert.equal((await alice(['auth', 'can-i', 'list', 'nodes'])).stdout.trim(), 'no');
  assert.equal(ok(await alice(['auth', 'can-i', 'get', '/version'])).trim(), 'yes');

  const list = ok(await alice(['auth', 'can-i', '--list', '-n', 'team-a']));
  assert.match(
    list,
    /^deployments\.apps\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update get list watch\]/m,
  );
  assert.match(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
  // kubectl 1.27 sends the same reviews (JSON or protobuf) and reads the same answers.
  const alice127 = (args: string[]) => kubectl(args, { kubeconfig: aliceConfig, version: '1.27' });
  assert.equal(ok(await alice127(['auth', 'can-i', 'create', 'deployments', '-n', 'team-a'])).trim(), 'yes');
  assert.equal((await alice127(['auth', 'can-i', 'create', 'deployments', '-n', 'team-b'])).stdout.trim(), 'no');
  assert.match(ok(await alice127(['auth', 'can-i', '--list', '-n', 'team-a'])), /^deployments\.apps\s/m);
  const listB = ok(await alice(['auth', 'can-i', '--list', '-n', 'team-b']));
  assert.doesNotMatch(listB, /deployments\.apps/);

  // The controllers (loopback, system:masters) still act on what alice created.
  await eventually(async () => {
    const r = await alice(['get', 'replicasets', '-n', 'team-a', '-o', 'name']);
    return r.code === 0 && r.stdout.includes('replicaset.apps/web-');
  }, 'the Deployment controller to create a ReplicaSet');
});

test('kubectl auth whoami names the user and groups (every kubectl version)', async () => {
  const kc = await userKubeconfig('carol', ['qa', 'ops']);
  for (const version of ['1.27', '1.28', '1.33']) {
    const out = ok(await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: kc, version }));
    const review = JSON.parse(out) as { kind: string; status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(review.kind, 'SelfSubjectReview');
    assert.equal(review.status.userInfo.username, 'carol');
    assert.deepEqual(review.status.userInfo.groups, ['qa', 'ops', 'system:authenticated']);
  }
});

test('admin (system:masters) is unaffected', async () => {
  ok(await server.kubectl(['get', 'secrets', '-A']));
  assert.equal(ok(await server.kubectl(['auth', 'can-i', '*', '*'])).trim(), 'yes');
  assert.match(ok(await server.kubectl(['auth', 'can-i', '--list'])), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/m);
  assert.match(ok(await server.kubectl(['auth', 'whoami'])), /admin/);
  // The bootstrap policy is in place.
  for (const role of ['cluster-admin', 'admin', 'edit', 'view', 'system:node', 'system:basic-user'])
    ok(await server.kubectl(['get', 'clusterrole', role]));
  ok(await server.kubectl(['get', 'role', 'system:controller:bootstrap-signer', '-n', 'kube-public']));
});

test('impersonation needs the impersonate verb', async () => {
  const dave = as(await userKubeconfig('dave'));
  // --raw: discovery would answer the 403 first, and kubectl's discovery client prints it as "unknown".
  const refused = await dave(['get', '--raw', '/api/v1/namespaces/team-a/pods', '--as', 'alice']);
  assert.match(
    refused.stderr,
    /users "alice" is forbidden: User "dave" cannot impersonate resource "users" in API group "" at the cluster scope/,
  );
  ok(
    await server.kubectl([
      'create',
      'clusterrole',
      'impersonate-alice',
      '--verb=impersonate',
      '--resource=users',
      '--resource-name=alice',
    ]),
  );
  ok(
    await server.kubectl([
      'create',
      'clusterrolebinding',
      'dave-as-alice',
      '--clusterrole=impersonate-alice',
      '--user=dave',
    ]),
  );
  await eventually(
    async () => (await dave(['get', 'deployments', '-n', 'team-a', '--as', 'alice'])).code === 0,
    'impersonation to be allowed',
  );
  assert.match(ok(await dave(['auth', 'whoami', '--as', 'alice'])), /alice/);
  // Only alice: another user, or an extra group, is still refused.
  assert.match((await dave(['get', '--raw', '/api', '--as', 'bob'])).stderr, /cannot impersonate resource "users"/);
  assert.match(
    (await dave(['get', '--raw', '/api', '--as', 'alice', '--as-group', 'system:masters'])).stderr,
    /groups "system:masters" is forbidden: User "dave" cannot impersonate resource "groups"/,
  );
});

test('nodes joining with the cluster token keep working (with RBAC alone, system:nodes is bound to system:node)', async () => {
  const client = createClient({ server: server.url, caPem: server.caPem, token: server.joinToken });
  const hollow = new HollowNodes({
    client,
    log: pino({ level: 'warn' }),
    count: 1,
    namePrefix: 'rbac-node-',
    leaseRenewIntervalMs: 500,
    statusSyncIntervalMs: 1000,
  });
  try {
    await hollow.registerAll();
    hollow.start();
    ok(await server.kubectl(['run', 'p1', '--image=busybox', '-n', 'team-a']));
    await eventually(
      async () => {
        const r = await server.kubectl(['get', 'pod', 'p1', '-n', 'team-a', '-o', 'jsonpath={.status.phase}']);
        return r.stdout === 'Running';
      },
      'the hollow node to run the pod',
      30_000,
    );
    // Upgrade requests are authorized too: view may read the pod but not exec into it.
    ok(
      await server.kubectl([
        'create',
        'rolebinding',
        'frank-view',
        '--clusterrole=view',
        '--user=frank',
        '-n',
        'team-a',
      ]),
    );
    const frank = as(await userKubeconfig('frank'));
    ok(await frank(['get', 'pod', 'p1', '-n', 'team-a']));
    const exec = await frank(['exec', 'p1', '-n', 'team-a', '--', 'true']);
    assert.notEqual(exec.code, 0);
    assert.match(
      exec.stderr,
      /pods "p1" is forbidden: User "frank" cannot (create|get) resource "pods\/exec" in API group "" in the namespace "team-a"/,
    );
  } finally {
    await hollow.stop();
    await client.close();
  }
});

test('with --authorization-mode AlwaysAllow can-i answers yes and whoami works', async () => {
  const open = await startTestServer({ extraArgs: ['--authorization-mode', 'AlwaysAllow'] });
  try {
    const kc = await userKubeconfigFor(open, 'erin');
    assert.equal(ok(await kubectl(['auth', 'can-i', 'delete', 'nodes'], { kubeconfig: kc })).trim(), 'yes');
    assert.match(ok(await kubectl(['auth', 'can-i', '--list'], { kubeconfig: kc })), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/m);
    assert.match(ok(await kubectl(['auth', 'whoami'], { kubeconfig: kc })), /erin/);
    ok(await kubectl(['get', 'secrets', '-A'], { kubeconfig: kc }));
    assert.doesNotMatch(ok(await open.kubectl(['get', 'clusterroles'])), /cluster-admin/);
  } finally {
    await open.stop();
  }
});
