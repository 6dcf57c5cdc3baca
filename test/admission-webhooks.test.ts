/**
 * Admission webhooks through the real kubectl: a TLS webhook server in this test (127.0.0.1, its
 * certificate from a test CA given as caBundle), reached through a url clientConfig and through a
 * Service whose EndpointSlice points at it. Refusals with the webhook's message, JSONPatch
 * mutations, warnings, namespaceSelector, failurePolicy Ignore/Fail against a dead webhook,
 * timeouts, dry run, and the configuration's own validation.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';

let server: TestServer;
let webhook: Server;
let port = 0;
let caBundle = '';
/** Every AdmissionReview request the webhook server received, by path. */
const received: { path: string; request: Record<string, unknown> }[] = [];

/** The webhook server's answers, by path. */
function answer(path: string, request: Record<string, unknown>): Record<string, unknown> {
  const uid = request.uid;
  const obj = (request.object ?? request.oldObject) as { metadata?: { labels?: Record<string, string> } } | null;
  const labels = obj?.metadata?.labels ?? {};
  if (path === '/validate') {
    if (labels.deny === 'yes')
      return { uid, allowed: false, status: { code: 403, message: 'configmaps labelled deny=yes are not welcome' } };
    return { uid, allowed: true, warnings: ['checked by the test webhook'], auditAnnotations: { checked: 'yes' } };
  }
  if (path === '/mutate') {
    const patch = obj?.metadata?.labels
      ? [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }]
      : [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }];
    return { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
  }
  if (path === '/garbage') return { uid: 'not-the-uid', allowed: true };
  return { uid, allowed: true };
}

before(async () => {
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=webhook',
    usage: 'server',
    names: { dns: ['wh.wh-system.svc'], ips: ['127.0.0.1'] },
    validDays: 1,
  });
  caBundle = Buffer.from(ca.cert).toString('base64');
  webhook = createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      received.push({ path, request: review.request });
      const reply = () => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: answer(path, review.request),
          }),
        );
      };
      if (path === '/slow') setTimeout(reply, 3000);
      else reply();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  port = (webhook.address() as AddressInfo).port;
  server = await startTestServer({ readyTimeoutMs: 60_000 });
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: v1
kind: Namespace
metadata: {name: hooked, labels: {webhook-test: "on"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: unhooked}
---
apiVersion: v1
kind: Namespace
metadata: {name: wh-system}
`,
    }),
  );
});

after(async () => {
  await server?.stop();
  webhook?.closeAllConnections();
  await new Promise<void>((resolve) => (webhook ? webhook.close(() => resolve()) : resolve()));
});

/** A webhook configuration for configmaps in namespaces labelled webhook-test=on. */
function configuration(kind: 'Validating' | 'Mutating', name: string, clientConfig: string, extra = ''): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}WebhookConfiguration
metadata: {name: ${name}}
webhooks:
- name: ${name}.webhooks.test
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig:
${clientConfig}
    caBundle: ${caBundle}
  rules:
  - operations: [CREATE, UPDATE]
    apiGroups: [""]
    apiVersions: [v1]
    resources: [configmaps]
  namespaceSelector:
    matchLabels: {webhook-test: "on"}
${extra}`;
}

const urlConfig = (path: string) => `    url: https://127.0.0.1:${port}${path}`;

async function deleteConfig(kind: string, name: string): Promise<void> {
  ok(await server.kubectl(['delete', kind, name, '--ignore-not-found']));
}

/** Applies a webhook configuration and removes it when the test ends, also when it fails. */
async function install(t: TestContext, kind: string, name: string, yaml: string): Promise<void> {
  t.after(() => deleteConfig(kind, name));
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: yaml }));
}

test('the configuration is validated as Kubernetes does, with the field named', async () => {
  const bad = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: bad}
webhooks:
- name: short
  admissionReviewVersions: [v3]
  sideEffects: Some
  timeoutSeconds: 31
  clientConfig: {url: "http://127.0.0.1:1/x?y=1"}
  rules:
  - operations: [CREATE, "*"]
    apiGroups: [""]
    apiVersions: [v1]
    resources: ["*", pods]
`;
  const r = await server.kubectl(['apply', '-f', '-'], { stdin: bad });
  assert.notEqual(r.code, 0);
  for (const text of [
    'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
    'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
    'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
    'webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme',
    'query parameters are not permitted in the URL',
    'webhooks[0].rules[0].operations: Invalid value:',
    "if '*' is present, must not specify other resources without subresources",
    'webhooks[0].admissionReviewVersions: Invalid value: ["v3"]: must include at least one of v1, v1beta1',
  ])
    assert.ok(r.stderr.includes(text), `${text}\n${r.stderr}`);
  // The served OpenAPI has the rule's resources and scope (kubernetes-types leaves them out).
  const explained = ok(await server.kubectl(['explain', 'validatingwebhookconfigurations.webhooks.rules']));
  assert.match(explained, /resources\s+<\[\]string>/);
  assert.match(explained, /scope\s+<string>/);
});

test('a validating webhook by url refuses with its message; warnings reach kubectl; defaults and table', async (t) => {
  await install(
    t,
    'validatingwebhookconfiguration',
    'deny',
    configuration('Validating', 'deny', urlConfig('/validate')),
  );
  const stored = JSON.parse(ok(await server.kubectl(['get', 'validatingwebhookconfiguration', 'deny', '-o', 'json'])));
  const hook = stored.webhooks[0];
  assert.equal(hook.failurePolicy, 'Fail');
  assert.equal(hook.matchPolicy, 'Equivalent');
  assert.equal(hook.timeoutSeconds, 10);
  assert.equal(hook.rules[0].scope, '*');
  assert.deepEqual(hook.objectSelector, {});
  assert.match(
    ok(await server.kubectl(['get', 'validatingwebhookconfigurations'])),
    /NAME\s+WEBHOOKS\s+AGE\ndeny\s+1\s+/,
  );

  const refused = await server.kubectl([
    '-n',
    'hooked',
    'create',
    'configmap',
    'no',
    '--from-literal=a=b',
    '--dry-run=client',
    '-o',
    'yaml',
  ]);
  const labelled = ok(refused).replace('metadata:\n', 'metadata:\n  labels: {deny: "yes"}\n');
  const r = await server.kubectl(['create', '-f', '-'], { stdin: labelled });
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /configmaps "no" is forbidden: admission webhook "deny\.webhooks\.test" denied the request: configmaps labelled deny=yes are not welcome/,
  );
  const fine = await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'yes', '--from-literal=a=b']);
  ok(fine);
  assert.match(fine.stderr, /Warning: checked by the test webhook/);
  const review = received.filter((x) => x.path === '/validate').at(-1)?.request as Record<string, unknown>;
  assert.equal(review.operation, 'CREATE');
  assert.equal(review.namespace, 'hooked');
  assert.equal(review.name, 'yes');
  assert.deepEqual(review.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
  assert.deepEqual(review.resource, { group: '', version: 'v1', resource: 'configmaps' });
  assert.equal(review.dryRun, false);
  assert.equal((review.userInfo as { username: string }).username.length > 0, true);
  assert.equal((review.object as { data: Record<string, string> }).data.a, 'b');
  assert.equal(review.oldObject, null);

  // namespaceSelector: the same object in a namespace without the label is not sent.
  ok(
    await server.kubectl(['create', '-n', 'unhooked', '-f', '-'], {
      stdin: labelled.replace(/namespace: hooked\n/, ''),
    }),
  );
  // An update goes with its old object.
  ok(await server.kubectl(['-n', 'hooked', 'label', 'configmap', 'yes', 'x=y']));
  const update = received.filter((x) => x.path === '/validate').at(-1)?.request as Record<string, unknown>;
  assert.equal(update.operation, 'UPDATE');
  assert.equal((update.oldObject as { metadata: { name: string } }).metadata.name, 'yes');
  await deleteConfig('validatingwebhookconfiguration', 'deny');
});

test('a mutating webhook behind a Service (EndpointSlice to the webhook) patches the object', async (t) => {
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: v1
kind: Service
metadata: {name: wh, namespace: wh-system}
spec:
  ports: [{name: https, port: 443, targetPort: ${port}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: wh-1
  namespace: wh-system
  labels: {kubernetes.io/service-name: wh}
addressType: IPv4
ports: [{name: https, port: ${port}, protocol: TCP}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
`,
    }),
  );
  await install(
    t,
    'mutatingwebhookconfiguration',
    'label',
    configuration(
      'Mutating',
      'label',
      '    service: {namespace: wh-system, name: wh, path: /mutate}',
      '  reinvocationPolicy: IfNeeded\n',
    ),
  );
  ok(await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'patched', '--from-literal=a=b']));
  const cm = JSON.parse(ok(await server.kubectl(['-n', 'hooked', 'get', 'configmap', 'patched', '-o', 'json'])));
  assert.equal(cm.metadata.labels.mutated, 'yes');
  // Dry run: a webhook without side effects is called with dryRun true; nothing is stored.
  ok(await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server']));
  const dry = received.filter((x) => x.path === '/mutate').at(-1)?.request as Record<string, unknown>;
  assert.equal(dry.dryRun, true);
  assert.deepEqual((dry.options as { dryRun: string[] }).dryRun, ['All']);
  assert.notEqual((await server.kubectl(['-n', 'hooked', 'get', 'configmap', 'dry'])).code, 0);
  // Without endpoints the call fails, and failurePolicy Fail refuses the request.
  ok(await server.kubectl(['-n', 'wh-system', 'delete', 'endpointslice', 'wh-1']));
  const r = await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'noendpoints', '--from-literal=a=b']);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /Internal error occurred: failed calling webhook "label\.webhooks\.test": failed to call webhook: Post "https:\/\/wh\.wh-system\.svc:443\/mutate\?timeout=10s": no endpoints available for service "wh"/,
  );
  await deleteConfig('mutatingwebhookconfiguration', 'label');
});

test('failurePolicy: a dead webhook is skipped with Ignore and refuses with Fail', async (t) => {
  const dead = '    url: https://127.0.0.1:1/dead';
  await install(
    t,
    'validatingwebhookconfiguration',
    'dead-ignore',
    configuration('Validating', 'dead-ignore', dead, '  failurePolicy: Ignore\n'),
  );
  ok(await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'ignored', '--from-literal=a=b']));
  await deleteConfig('validatingwebhookconfiguration', 'dead-ignore');
  await install(t, 'validatingwebhookconfiguration', 'dead-fail', configuration('Validating', 'dead-fail', dead));
  const r = await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'failed', '--from-literal=a=b']);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /failed calling webhook "dead-fail\.webhooks\.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:1\/dead\?timeout=10s": dial tcp 127\.0\.0\.1:1: connect: connection refused/,
  );
  // A reply that is not the answer to this request is a failed call too.
  await install(
    t,
    'validatingwebhookconfiguration',
    'garbage',
    configuration('Validating', 'garbage', urlConfig('/garbage')),
  );
  await deleteConfig('validatingwebhookconfiguration', 'dead-fail');
  const metrics = ok(await server.kubectl(['get', '--raw', '/metrics']));
  assert.match(
    metrics,
    /apiserver_admission_webhook_fail_open_count\{name="dead-ignore\.webhooks\.test",type="validating"\} 1/,
  );
  assert.match(
    metrics,
    /apiserver_admission_webhook_rejection_count\{name="dead-fail\.webhooks\.test",type="validating",operation="CREATE",error_type="calling_webhook_error",rejection_code="500"\} 1/,
  );
  const g = await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'garbage', '--from-literal=a=b']);
  assert.notEqual(g.code, 0);
  assert.match(g.stderr, /received invalid webhook response: expected response\.uid="[0-9a-f-]+", got "not-the-uid"/);
  await deleteConfig('validatingwebhookconfiguration', 'garbage');
});

test('a webhook slower than its timeoutSeconds fails the call in time', async (t) => {
  await install(
    t,
    'validatingwebhookconfiguration',
    'slow',
    configuration('Validating', 'slow', urlConfig('/slow'), '  timeoutSeconds: 1\n'),
  );
  const started = performance.now();
  const r = await server.kubectl(['-n', 'hooked', 'create', 'configmap', 'slow', '--from-literal=a=b']);
  const ms = performance.now() - started;
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /failed calling webhook "slow\.webhooks\.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow\?timeout=1s": context deadline exceeded/,
  );
  assert.ok(ms < 3000, `refused after ${ms} ms`);
  await deleteConfig('validatingwebhookconfiguration', 'slow');
});

test('pods the controllers create go through webhooks too (not prepared in a write worker)', async (t) => {
  const yaml = configuration('Mutating', 'pods', urlConfig('/mutate')).replace(
    'resources: [configmaps]',
    'resources: [pods]',
  );
  await install(t, 'mutatingwebhookconfiguration', 'pods', yaml);
  t.after(async () => {
    await server.kubectl(['-n', 'hooked', 'delete', 'deployment', 'web', '--ignore-not-found']);
  });
  ok(await server.kubectl(['-n', 'hooked', 'create', 'deployment', 'web', '--image=busybox', '--replicas=2']));
  await eventually(
    async () => {
      const pods = JSON.parse(ok(await server.kubectl(['-n', 'hooked', 'get', 'pods', '-l', 'app=web', '-o', 'json'])));
      return (
        pods.items.length === 2 &&
        pods.items.every((p: { metadata: { labels: Record<string, string> } }) => p.metadata.labels.mutated === 'yes')
      );
    },
    "the Deployment's pods, labelled by the webhook",
    60_000,
  );
  const review = received.filter((x) => x.path === '/mutate').at(-1)?.request as Record<string, unknown>;
  assert.deepEqual(review.kind, { group: '', version: 'v1', kind: 'Pod' });
  assert.match((review.userInfo as { username: string }).username, /^system:/);
});

test('a validating webhook on DELETE gets the old object and can refuse the deletion', async (t) => {
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep, namespace: hooked, labels: {deny: "yes"}}\n',
    }),
  );
  const yaml = configuration('Validating', 'nodelete', urlConfig('/validate')).replace(
    'operations: [CREATE, UPDATE]',
    'operations: [DELETE]',
  );
  await install(t, 'validatingwebhookconfiguration', 'nodelete', yaml);
  const r = await server.kubectl(['-n', 'hooked', 'delete', 'configmap', 'keep']);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /admission webhook "nodelete\.webhooks\.test" denied the request: configmaps labelled deny=yes/,
  );
  const review = received.filter((x) => x.path === '/validate').at(-1)?.request as Record<string, unknown>;
  assert.equal(review.operation, 'DELETE');
  assert.equal(review.object, null);
  assert.equal((review.oldObject as { metadata: { name: string } }).metadata.name, 'keep');
  assert.equal((review.options as { kind: string }).kind, 'DeleteOptions');
  ok(await server.kubectl(['-n', 'hooked', 'get', 'configmap', 'keep']));
});
