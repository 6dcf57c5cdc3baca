/**
 * The identity matrix on a server with `--authorization-mode Node,RBAC`, through the real kubectl:
 * for each kind of caller — admin, a cluster-wide `view` user, an `edit` user and an `admin` user
 * bound in one namespace, a node (`system:node:<name>`), the cluster join (bootstrap) token, a
 * ServiceAccount token and an anonymous caller — which verbs on which resources `kubectl auth
 * can-i` answers yes or no, and a few real requests per identity that must succeed or be refused
 * with Kubernetes' 403 text. Also RBAC's escalation prevention as a namespace admin meets it, and
 * the stolen join token that must not read Secrets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { kubectl, startTestServer, type KubectlResult, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;
/** Kubeconfig path per identity. */
const who: Record<Identity, string> = {} as Record<Identity, string>;

type Identity = 'admin' | 'viewer' | 'editor' | 'nsAdmin' | 'node' | 'bootstrap' | 'serviceAccount' | 'anonymous';

const NODE = 'matrix-node';

before(async () => {
  server = await startTestServer({ extraArgs: ['--authorization-mode', 'Node,RBAC'], readyTimeoutMs: 60_000 });
  const admin = (args: string[]) => server.kubectl(args);
  for (const ns of ['team-a', 'team-b']) ok(await admin(['create', 'namespace', ns]));
  ok(await admin(['create', 'clusterrolebinding', 'viewer-view', '--clusterrole=view', '--user=viewer']));
  ok(await admin(['create', 'rolebinding', 'editor-edit', '--clusterrole=edit', '--user=editor', '-n', 'team-a']));
  ok(await admin(['create', 'rolebinding', 'boss-admin', '--clusterrole=admin', '--user=boss', '-n', 'team-a']));
  ok(await admin(['create', 'serviceaccount', 'robot', '-n', 'team-a']));
  ok(
    await admin([
      'create',
      'rolebinding',
      'robot-view',
      '--clusterrole=view',
      '--serviceaccount=team-a:robot',
      '-n',
      'team-a',
    ]),
  );
  ok(await admin(['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2', '-n', 'team-a']));
  ok(await admin(['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2', '-n', 'kube-system']));
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } }),
    }),
  );
  // view, edit and admin are filled by the aggregation controller.
  for (const role of ['view', 'edit', 'admin'])
    await eventually(async () => {
      const r = await admin(['get', 'clusterrole', role, '-o', 'json']);
      return r.code === 0 && ((JSON.parse(r.stdout) as { rules?: unknown[] }).rules ?? []).length > 0;
    }, `${role} to be aggregated`);
  const token = ok(await admin(['create', 'token', 'robot', '-n', 'team-a'])).trim();

  who.admin = server.kubeconfig;
  who.viewer = await kubeconfig('viewer', { cert: 'CN=viewer' });
  who.editor = await kubeconfig('editor', { cert: 'CN=editor, O=dev' });
  who.nsAdmin = await kubeconfig('boss', { cert: 'CN=boss' });
  who.node = await kubeconfig('node', { cert: `CN=system:node:${NODE}, O=system:nodes` });
  who.bootstrap = await kubeconfig('bootstrap', { token: server.joinToken });
  who.serviceAccount = await kubeconfig('robot', { token });
  who.anonymous = await kubeconfig('anonymous', {});
});

after(async () => {
  await server?.stop();
});

/** A kubeconfig for one identity: a client certificate from the cluster CA, a bearer token, or nothing. */
async function kubeconfig(name: string, cred: { cert?: string; token?: string }): Promise<string> {
  const caCert = await readFile(join(server.dataDir, 'tls', 'ca.crt'), 'utf8');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  let user = '{}';
  if (cred.cert) {
    const caKey = await readFile(join(server.dataDir, 'tls', 'ca.key'), 'utf8');
    const leaf = await issueLeaf({ cert: caCert, key: caKey }, { subject: cred.cert, usage: 'client', validDays: 1 });
    user = `{client-certificate-data: ${b64(leaf.cert)}, client-key-data: ${b64(leaf.key)}}`;
  } else if (cred.token) {
    user = `{token: ${cred.token}}`;
  }
  const dir = join(server.dataDir, 'matrix', name);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'kubeconfig.yaml');
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: flotilla
  cluster: {server: '${server.url}', certificate-authority-data: ${b64(caCert)}}
users:
- name: ${name}
  user: ${user}
contexts:
- name: ${name}
  context: {cluster: flotilla, user: ${name}}
current-context: ${name}
`,
  );
  return path;
}

const run = (id: Identity, args: string[], stdin?: string): Promise<KubectlResult> =>
  kubectl(args, { kubeconfig: who[id], stdin });

/**
 * `kubectl auth can-i` rows: identity, the can-i arguments, the answer. Kubernetes' semantics:
 * view has no Secrets and no writes; edit has no RBAC; admin in a namespace may write Roles and
 * RoleBindings there but neither escalate nor bind; a node gets what `system:node` and the Node
 * authorizer give it; the join token bootstraps (CSRs) and reads nothing secret.
 */
const CAN_I: [Identity, string[], 'yes' | 'no'][] = [
  ['admin', ['*', '*'], 'yes'],
  ['admin', ['get', 'secrets', '-n', 'kube-system'], 'yes'],
  ['admin', ['create', 'clusterrolebindings'], 'yes'],

  ['viewer', ['list', 'pods', '--all-namespaces'], 'yes'],
  ['viewer', ['get', 'deployments.apps', '-n', 'team-b'], 'yes'],
  ['viewer', ['get', 'secrets', '-n', 'team-a'], 'no'],
  ['viewer', ['create', 'pods', '-n', 'team-a'], 'no'],
  ['viewer', ['delete', 'namespaces'], 'no'],

  ['editor', ['create', 'deployments.apps', '-n', 'team-a'], 'yes'],
  ['editor', ['get', 'secrets', '-n', 'team-a'], 'yes'],
  ['editor', ['create', 'pods/exec', '-n', 'team-a'], 'yes'],
  ['editor', ['create', 'pods', '-n', 'team-b'], 'no'],
  ['editor', ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-a'], 'no'],
  ['editor', ['list', 'nodes'], 'no'],

  ['nsAdmin', ['create', 'roles.rbac.authorization.k8s.io', '-n', 'team-a'], 'yes'],
  ['nsAdmin', ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-a'], 'yes'],
  ['nsAdmin', ['escalate', 'roles.rbac.authorization.k8s.io', '-n', 'team-a'], 'no'],
  ['nsAdmin', ['bind', 'clusterroles.rbac.authorization.k8s.io', '-n', 'team-a'], 'no'],
  ['nsAdmin', ['get', 'secrets', '-n', 'team-b'], 'no'],

  ['node', ['get', 'nodes'], 'yes'],
  ['node', ['create', 'certificatesigningrequests.certificates.k8s.io'], 'yes'],
  ['node', ['get', 'secrets', '-n', 'team-a'], 'no'],
  ['node', ['delete', 'namespaces'], 'no'],

  ['bootstrap', ['create', 'certificatesigningrequests.certificates.k8s.io'], 'yes'],
  ['bootstrap', ['get', 'secrets', '-n', 'kube-system'], 'no'],
  ['bootstrap', ['list', 'secrets', '--all-namespaces'], 'no'],
  ['bootstrap', ['create', 'pods', '-n', 'default'], 'no'],
  ['bootstrap', ['create', 'clusterrolebindings.rbac.authorization.k8s.io'], 'no'],

  ['serviceAccount', ['list', 'pods', '-n', 'team-a'], 'yes'],
  ['serviceAccount', ['list', 'pods', '-n', 'default'], 'no'],
  ['serviceAccount', ['get', 'secrets', '-n', 'team-a'], 'no'],
  ['serviceAccount', ['create', 'configmaps', '-n', 'team-a'], 'no'],
];

test('kubectl auth can-i answers the matrix', async () => {
  const identities = [...new Set(CAN_I.map(([id]) => id))];
  const wrong: string[] = [];
  // One identity at a time, its rows in parallel: a handful of kubectl processes at once.
  for (const id of identities) {
    await Promise.all(
      CAN_I.filter(([i]) => i === id).map(async ([, args, want]) => {
        const r = await run(id, ['auth', 'can-i', ...args]);
        // A "no" may carry the authorizer's reason (`no - No Object name found` from the Node authorizer).
        const got = r.stdout.trim().split(' ')[0];
        if (got !== want || r.code !== (want === 'yes' ? 0 : 1))
          wrong.push(`${id} can-i ${args.join(' ')}: want ${want}, got ${got || r.stderr.trim()} (exit ${r.code})`);
      }),
    );
  }
  assert.deepEqual(wrong, []);
});

/** A request over plain HTTPS with no credentials (or the headers given). */
function anonymousCall(
  to: TestServer,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${to.url}${path}`,
      { method, ca: to.caPem, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const message = (body: string) => (JSON.parse(body) as { message?: string }).message;

test('an anonymous caller is system:anonymous: 403 with Kubernetes texts, public-info paths open, kubectl refused', async () => {
  const call = (method: string, path: string, body?: string) => anonymousCall(server, method, path, body);
  const pods = await call('GET', '/api/v1/namespaces/default/pods');
  assert.equal(pods.status, 403, pods.body);
  assert.equal(
    message(pods.body),
    'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
  );
  // system:discovery is bound to system:authenticated only (as since Kubernetes 1.14).
  const discovery = await call('GET', '/apis');
  assert.equal(discovery.status, 403);
  assert.equal(message(discovery.body), 'forbidden: User "system:anonymous" cannot get path "/apis"');
  const review = await call(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'list', resource: 'pods' } },
    }),
  );
  assert.equal(review.status, 403);
  assert.match(
    message(review.body) ?? '',
    /^selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectaccessreviews"/,
  );
  // system:public-info-viewer (system:unauthenticated too): version and health.
  for (const path of ['/version', '/healthz', '/livez', '/readyz'])
    assert.equal((await call('GET', path)).status, 200, path);
  assert.equal((await call('GET', '/metrics')).status, 403);
  // A wrong token is never anonymous.
  const wrong = await new Promise<number>((resolve, reject) => {
    const req = request(
      `${server.url}/api/v1/namespaces/default/pods`,
      { ca: server.caPem, headers: { authorization: 'Bearer not-a-token' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(wrong, 401);
  // Once granted through RBAC, anonymous may do what it is granted (as in Kubernetes).
  ok(
    await server.kubectl([
      'create',
      'rolebinding',
      'anonymous-view',
      '--clusterrole=view',
      '--user=system:anonymous',
      '-n',
      'team-b',
    ]),
  );
  await eventually(
    async () => (await call('GET', '/api/v1/namespaces/team-b/configmaps')).status === 200,
    'anonymous to list configmaps in team-b',
  );
  ok(await server.kubectl(['delete', 'rolebinding', 'anonymous-view', '-n', 'team-b']));
  // kubectl with no credentials at all prompts for a user name before it sends anything (client-go's
  // fallback reader), whatever the server would answer: the requests above go over plain HTTPS.
  const kubectlAnonymous = await run('anonymous', ['get', 'pods', '-n', 'default']);
  assert.notEqual(kubectlAnonymous.code, 0);
});

test('--anonymous-auth=false: a request without credentials is 401 again', async () => {
  const closed = await startTestServer({
    extraArgs: [
      '--authorization-mode',
      'Node,RBAC',
      '--anonymous-auth=false',
      '--disable-controllers',
      '--disable-scheduler',
    ],
    readyTimeoutMs: 60_000,
  });
  try {
    const pods = await anonymousCall(closed, 'GET', '/api/v1/namespaces/default/pods');
    assert.equal(pods.status, 401);
    assert.equal((JSON.parse(pods.body) as { reason?: string }).reason, 'Unauthorized');
    assert.equal((await anonymousCall(closed, 'GET', '/version')).status, 200);
  } finally {
    await closed.stop();
  }
});

/** A real request that must end in Kubernetes' 403 text. */
async function refused(id: Identity, args: string[], message: RegExp, stdin?: string): Promise<void> {
  const r = await run(id, args, stdin);
  assert.notEqual(r.code, 0, `${id} ${args.join(' ')} succeeded: ${r.stdout}`);
  // kubectl get prints `Error from server (Forbidden): <message>`, kubectl create `error: failed to create ...: <message>`.
  assert.match(r.stderr, message);
}

test('real requests: admin, view and the ServiceAccount', async () => {
  ok(await run('admin', ['get', 'secret', 'db', '-n', 'kube-system']));
  ok(await run('admin', ['create', 'configmap', 'by-admin', '-n', 'team-b']));

  assert.match(ok(await run('viewer', ['get', 'configmap', 'by-admin', '-n', 'team-b'])), /by-admin/);
  await refused(
    'viewer',
    ['get', 'secret', 'db', '-n', 'team-a'],
    /secrets "db" is forbidden: User "viewer" cannot get resource "secrets" in API group "" in the namespace "team-a"/,
  );
  await refused(
    'viewer',
    ['create', 'configmap', 'x', '-n', 'team-a'],
    /configmaps is forbidden: User "viewer" cannot create resource "configmaps" in API group "" in the namespace "team-a"/,
  );

  ok(await run('serviceAccount', ['get', 'pods', '-n', 'team-a']));
  assert.match(ok(await run('serviceAccount', ['auth', 'whoami', '-o', 'json'])), /system:serviceaccount:team-a:robot/);
  await refused(
    'serviceAccount',
    ['get', 'pods', '-n', 'default'],
    /pods is forbidden: User "system:serviceaccount:team-a:robot" cannot list resource "pods" in API group "" in the namespace "default"/,
  );
  await refused(
    'serviceAccount',
    ['get', 'secret', 'db', '-n', 'team-a'],
    /User "system:serviceaccount:team-a:robot" cannot get resource "secrets"/,
  );
});

test('real requests: edit in one namespace', async () => {
  ok(await run('editor', ['create', 'configmap', 'by-editor', '-n', 'team-a']));
  assert.match(ok(await run('editor', ['get', 'secret', 'db', '-n', 'team-a', '-o', 'name'])), /secret\/db/);
  await refused(
    'editor',
    ['get', 'configmaps', '-n', 'team-b'],
    /configmaps is forbidden: User "editor" cannot list resource "configmaps" in API group "" in the namespace "team-b"/,
  );
  await refused(
    'editor',
    ['create', 'rolebinding', 'self-admin', '--clusterrole=admin', '--user=editor', '-n', 'team-a'],
    /User "editor" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "team-a"/,
  );
});

test('real requests: a node reads its own Node, not unrelated Secrets', async () => {
  assert.match(ok(await run('node', ['get', 'node', NODE, '-o', 'name'])), new RegExp(`node/${NODE}`));
  await refused(
    'node',
    ['get', 'secret', 'db', '-n', 'team-a'],
    new RegExp(
      `secrets "db" is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "team-a": no relationship found between node '${NODE}' and this object`,
    ),
  );
  await refused(
    'node',
    ['delete', 'namespace', 'team-b'],
    /User "system:node:matrix-node" cannot delete resource "namespaces"/,
  );
});

test('a node reads the TLS Secrets served Ingresses name (the ingress data plane), and no other Secret', async () => {
  const tlsData = `data: { tls.crt: '${Buffer.from('cert').toString('base64')}', tls.key: '${Buffer.from('key').toString('base64')}' }`;
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: `
apiVersion: v1
kind: Secret
metadata: { name: site-tls, namespace: team-b }
type: kubernetes.io/tls
${tlsData}
---
apiVersion: v1
kind: Secret
metadata: { name: unnamed-tls, namespace: team-b }
type: kubernetes.io/tls
${tlsData}
---
apiVersion: v1
kind: Secret
metadata: { name: opaque-named, namespace: team-b }
stringData: { password: hunter2 }
---
apiVersion: v1
kind: Secret
metadata: { name: other-class-tls, namespace: team-b }
type: kubernetes.io/tls
${tlsData}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: someone-else }
spec: { controller: example.com/other-ingress }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: site, namespace: team-b }
spec:
  tls: [{ hosts: [site.example], secretName: site-tls }, { hosts: [x.example], secretName: opaque-named }]
  defaultBackend: { service: { name: site, port: { number: 80 } } }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: other, namespace: team-b }
spec:
  ingressClassName: someone-else
  tls: [{ hosts: [o.example], secretName: other-class-tls }]
  defaultBackend: { service: { name: site, port: { number: 80 } } }
`,
    }),
  );
  const noRelationship = (name: string) =>
    new RegExp(
      `secrets "${name}" is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "team-b": no relationship found between node '${NODE}' and this object`,
    );
  // The Ingress (default class flotilla) names site-tls: any node may read it, also as a watch by name.
  assert.match(ok(await run('node', ['get', 'secret', 'site-tls', '-n', 'team-b', '-o', 'name'])), /secret\/site-tls/);
  assert.match(
    ok(
      await run('node', ['get', 'secrets', '-n', 'team-b', '--field-selector', 'metadata.name=site-tls', '-o', 'name']),
    ),
    /secret\/site-tls/,
  );
  await refused('node', ['get', 'secret', 'unnamed-tls', '-n', 'team-b'], noRelationship('unnamed-tls'));
  await refused('node', ['get', 'secret', 'opaque-named', '-n', 'team-b'], noRelationship('opaque-named'));
  await refused('node', ['get', 'secret', 'other-class-tls', '-n', 'team-b'], noRelationship('other-class-tls'));
  await refused('node', ['get', 'secrets', '-n', 'team-b'], /cannot list resource "secrets"/);
  // Once no served Ingress names it, the node loses it.
  ok(await server.kubectl(['delete', 'ingress', 'site', '-n', 'team-b']));
  await eventually(
    async () => (await run('node', ['get', 'secret', 'site-tls', '-n', 'team-b'])).code !== 0,
    'site-tls to be unreadable for the node',
  );
});

test('a stolen join token cannot read, list or create Secrets, nor bind itself cluster-admin', async () => {
  await refused(
    'bootstrap',
    ['get', 'secret', 'db', '-n', 'kube-system'],
    /secrets "db" is forbidden: User "system:node-bootstrapper" cannot get resource "secrets" in API group "" in the namespace "kube-system"/,
  );
  await refused(
    'bootstrap',
    ['get', 'secrets', '-A'],
    /cannot list resource "secrets" in API group "" at the cluster scope/,
  );
  await refused(
    'bootstrap',
    ['create', 'secret', 'generic', 'x', '--from-literal=a=b', '-n', 'default'],
    /cannot create resource "secrets"/,
  );
  await refused(
    'bootstrap',
    ['create', 'clusterrolebinding', 'pwn', '--clusterrole=cluster-admin', '--group=system:bootstrappers'],
    /cannot create resource "clusterrolebindings"/,
  );
});

test('escalation prevention: a namespace admin grants only what it holds', async () => {
  const held =
    /user "boss" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/;
  // Within its own rules: a Role and a binding of edit (admin covers edit).
  ok(await run('nsAdmin', ['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', 'team-a']));
  ok(
    await run('nsAdmin', [
      'create',
      'rolebinding',
      'viewer-pods',
      '--role=pod-reader',
      '--user=viewer',
      '-n',
      'team-a',
    ]),
  );
  ok(
    await run('nsAdmin', [
      'create',
      'rolebinding',
      'editor-more',
      '--clusterrole=edit',
      '--user=editor',
      '-n',
      'team-a',
    ]),
  );
  // Beyond them: nodes are not in admin, cluster-admin holds everything.
  await refused(
    'nsAdmin',
    ['create', 'role', 'node-reader', '--verb=get', '--resource=nodes', '-n', 'team-a'],
    new RegExp(
      `roles.rbac.authorization.k8s.io "node-reader" is forbidden: ${held.source}\\n\\{APIGroups:\\[""\\], Resources:\\["nodes"\\], Verbs:\\["get"\\]\\}`,
    ),
  );
  await refused(
    'nsAdmin',
    ['create', 'rolebinding', 'root', '--clusterrole=cluster-admin', '--user=boss', '-n', 'team-a'],
    new RegExp(`rolebindings.rbac.authorization.k8s.io "root" is forbidden: ${held.source}`),
  );
  // Widening an existing Role is an update under the same rule.
  const role = JSON.parse(ok(await run('nsAdmin', ['get', 'role', 'pod-reader', '-n', 'team-a', '-o', 'json']))) as {
    rules: { verbs: string[]; apiGroups: string[]; resources: string[] }[];
  };
  role.rules.push({ verbs: ['list'], apiGroups: [''], resources: ['nodes'] });
  await refused(
    'nsAdmin',
    ['replace', '-f', '-'],
    /roles.rbac.authorization.k8s.io "pod-reader" is forbidden: user "boss"/,
    JSON.stringify(role),
  );
  // Granted `escalate` and `bind` (by the cluster admin), it may.
  ok(
    await run('admin', [
      'create',
      'role',
      'rbac-delegate',
      '--verb=escalate,bind',
      '--resource=roles.rbac.authorization.k8s.io,clusterroles.rbac.authorization.k8s.io',
      '-n',
      'team-a',
    ]),
  );
  ok(
    await run('admin', [
      'create',
      'rolebinding',
      'boss-delegate',
      '--role=rbac-delegate',
      '--user=boss',
      '-n',
      'team-a',
    ]),
  );
  await eventually(
    async () =>
      (await run('nsAdmin', ['auth', 'can-i', 'escalate', 'roles.rbac.authorization.k8s.io', '-n', 'team-a'])).code ===
      0,
    'the delegation to be in effect',
  );
  ok(await run('nsAdmin', ['create', 'role', 'node-reader', '--verb=get', '--resource=nodes', '-n', 'team-a']));
  ok(
    await run('nsAdmin', [
      'create',
      'rolebinding',
      'root',
      '--clusterrole=cluster-admin',
      '--user=viewer',
      '-n',
      'team-a',
    ]),
  );
});

test("the controllers' ServiceAccounts exist in kube-system, as with kube-controller-manager's --use-service-account-credentials", async () => {
  const want = ['generic-garbage-collector', 'namespace-controller', 'deployment-controller', 'replicaset-controller'];
  await eventually(async () => {
    const r = await server.kubectl(['get', 'serviceaccounts', '-n', 'kube-system', '-o', 'name']);
    return r.code === 0 && want.every((n) => r.stdout.includes(`serviceaccount/${n}\n`));
  }, 'the controller ServiceAccounts');
});

test('kubectl explain knows the review kinds', async () => {
  const sar = ok(await run('admin', ['explain', 'subjectaccessreview.spec.resourceAttributes']));
  assert.match(sar, /GROUP:\s+authorization\.k8s\.io/);
  assert.match(sar, /verb\s+<string>/);
  assert.match(ok(await run('admin', ['explain', 'selfsubjectaccessreview'])), /KIND:\s+SelfSubjectAccessReview/);
  assert.match(ok(await run('admin', ['explain', 'tokenreview.status'])), /authenticated\s+<boolean>/);
  assert.match(ok(await run('admin', ['explain', 'selfsubjectreview'])), /KIND:\s+SelfSubjectReview/);
});
