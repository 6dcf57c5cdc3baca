/**
 * An operator in a pod, end to end with real kubectl and real containers: the image carries the
 * machine's node binary and test/fixtures/clients/widget-operator.mjs (@kubernetes/client-node).
 * The operator runs as a Deployment with its ServiceAccount's projected token, limited by a Role
 * to its CRD (read, status write), Deployments and Services; it watches Widgets through informers,
 * creates a Deployment and a Service for each (owned by the Widget), and writes the Widget's status through the status
 * subresource. Its own validating webhook is served from the pod over TLS (a Secret the test
 * makes, caBundle from the test CA) and reached through a Service: a Widget asking for too many
 * replicas is refused with the operator's message. Runs as root (test/helpers/real-node.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { issueCa, issueLeaf } from '../src/machinery/pki/issue-certs.js';
import { buildNodeClientImage } from './fixtures/images/node-client.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { eventually } from './helpers/wait-until.js';

const OPERATOR_IMAGE = 'flotilla.test/widget-operator:latest';

let node: RealNode | undefined;
let imageDir: string | undefined;
let certDir: string | undefined;

before(async () => {
  const third = 200 + Math.floor(Math.random() * 50);
  node = await startRealNode({
    name: 'operator',
    podCIDR: `10.42.${third}.0/24`,
    server: {
      readyTimeoutMs: 60_000,
      extraArgs: [
        '--authorization-mode',
        'RBAC',
        '--bind-address',
        '0.0.0.0',
        '--advertise-address',
        `10.42.${third}.1`,
      ],
    },
  });
  const image = await buildNodeClientImage({
    name: OPERATOR_IMAGE,
    files: { '/app/operator.mjs': 'test/fixtures/clients/widget-operator.mjs' },
  });
  imageDir = image.dir;
  await node.agent.images.importArchive(image.file);
});

after(async () => {
  if (node) {
    // Pods outlive the server by design: remove the namespace's workloads before stopping.
    await node.server.kubectl(['delete', 'namespace', 'ops', '--timeout=60s']).catch(() => undefined);
    await node.stop();
  }
  for (const dir of [imageDir, certDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.ops.test }
spec:
  group: ops.test
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
  - name: v1
    served: true
    storage: true
    subresources: { status: {} }
    additionalPrinterColumns:
    - { name: Replicas, type: integer, jsonPath: .spec.replicas }
    - { name: Phase, type: string, jsonPath: .status.phase }
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: { type: integer, minimum: 0 }
              message: { type: string }
          status:
            type: object
            properties:
              deployment: { type: string }
              readyReplicas: { type: integer }
              observedGeneration: { type: integer }
              phase: { type: string }
`;

const OPERATOR = (nodeName: string, caBundle: string) => `apiVersion: v1
kind: Namespace
metadata: { name: ops }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: widget-operator, namespace: ops }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: widget-operator, namespace: ops }
rules:
- apiGroups: [ops.test]
  resources: [widgets]
  verbs: [get, list, watch]
- apiGroups: [ops.test]
  resources: [widgets/status]
  verbs: [get, update, patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: ['']
  resources: [services]
  verbs: [get, create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: widget-operator, namespace: ops }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: widget-operator }
subjects:
- { kind: ServiceAccount, name: widget-operator, namespace: ops }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: widget-operator, namespace: ops }
spec:
  replicas: 1
  selector: { matchLabels: { app: widget-operator } }
  template:
    metadata: { labels: { app: widget-operator } }
    spec:
      serviceAccountName: widget-operator
      nodeSelector: { kubernetes.io/hostname: ${nodeName} }
      terminationGracePeriodSeconds: 1
      containers:
      - name: operator
        image: ${OPERATOR_IMAGE}
        imagePullPolicy: Never
        command: [/usr/bin/node, /app/operator.mjs]
        ports: [{ containerPort: 8443, name: webhook }]
        readinessProbe:
          tcpSocket: { port: 8443 }
          periodSeconds: 1
        volumeMounts: [{ name: tls, mountPath: /tls, readOnly: true }]
      volumes:
      - name: tls
        secret: { secretName: widget-operator-tls }
---
apiVersion: v1
kind: Service
metadata: { name: widget-operator-webhook, namespace: ops }
spec:
  selector: { app: widget-operator }
  ports: [{ port: 443, targetPort: webhook }]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: { name: widget-operator }
webhooks:
- name: widgets.ops.test
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Fail
  clientConfig:
    service: { namespace: ops, name: widget-operator-webhook, path: /validate }
    caBundle: ${caBundle}
  rules:
  - operations: [CREATE, UPDATE]
    apiGroups: [ops.test]
    apiVersions: [v1]
    resources: [widgets]
`;

const widget = (name: string, replicas: number) => `apiVersion: ops.test/v1
kind: Widget
metadata: { name: ${name}, namespace: ops }
spec: { replicas: ${replicas}, message: "made by ${name}" }
`;

test('an operator in a pod reconciles its custom resource and serves its own webhook', async () => {
  if (!node) throw new Error('no node');
  const n = node;
  const kubectl = (args: string[], stdin?: string) => n.server.kubectl(args, stdin === undefined ? {} : { stdin });

  // The webhook's serving certificate, signed by a CA the test makes, in a TLS Secret.
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=widget-operator-webhook.ops.svc',
    usage: 'server',
    names: { dns: ['widget-operator-webhook.ops.svc'], ips: [] },
    validDays: 1,
  });
  certDir = await mkdtemp(join(tmpdir(), 'flotilla-operator-tls-'));
  await writeFile(join(certDir, 'tls.crt'), leaf.cert);
  await writeFile(join(certDir, 'tls.key'), leaf.key);

  await n.kubectl(['apply', '-f', '-'], CRD);
  await n.kubectl(['wait', '--for=condition=Established', 'crd/widgets.ops.test', '--timeout=30s']);
  await n.kubectl(['create', 'namespace', 'ops']);
  await n.kubectl([
    'create',
    'secret',
    'tls',
    'widget-operator-tls',
    '-n',
    'ops',
    `--cert=${join(certDir, 'tls.crt')}`,
    `--key=${join(certDir, 'tls.key')}`,
  ]);
  await n.kubectl(['apply', '-f', '-'], OPERATOR(n.nodeName, Buffer.from(ca.cert).toString('base64')));

  // RBAC as the operator's ServiceAccount sees it.
  const as = ['--as=system:serviceaccount:ops:widget-operator', '-n', 'ops'];
  assert.equal((await n.kubectl(['auth', 'can-i', 'create', 'deployments', ...as])).trim(), 'yes');
  assert.equal(
    (await n.kubectl(['auth', 'can-i', 'update', 'widgets.ops.test', '--subresource=status', ...as])).trim(),
    'yes',
  );
  const cannot = await kubectl(['auth', 'can-i', 'delete', 'widgets.ops.test', ...as]);
  assert.equal(cannot.stdout.trim(), 'no');
  const secrets = await kubectl(['auth', 'can-i', 'list', 'secrets', ...as]);
  assert.equal(secrets.stdout.trim(), 'no');

  await eventually(
    async () => {
      const d = JSON.parse(await n.kubectl(['get', 'deployment', 'widget-operator', '-n', 'ops', '-o', 'json']));
      return (d.status?.availableReplicas ?? 0) >= 1;
    },
    'the operator is available',
    120_000,
  ).catch(async (err) => {
    const pods = await kubectl(['get', 'pods', '-n', 'ops', '-o', 'yaml']);
    const logs = await kubectl(['logs', '-n', 'ops', 'deployment/widget-operator']);
    throw new Error(`${err}\n${pods.stdout}\n${logs.stdout}${logs.stderr}`);
  });

  // A Widget: the operator creates its Deployment and writes its status.
  await n.kubectl(['apply', '-f', '-'], widget('first', 1));
  const deployment = await eventually(
    async () => {
      const r = await kubectl(['get', 'deployment', 'first-app', '-n', 'ops', '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    },
    'the operator created deployment first-app',
    60_000,
  );
  const owner = deployment.metadata.ownerReferences?.[0];
  assert.equal(owner?.kind, 'Widget');
  assert.equal(owner?.name, 'first');
  assert.equal(deployment.spec.replicas, 1);
  const service = await eventually(
    async () => {
      const r = await kubectl(['get', 'service', 'first-app', '-n', 'ops', '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    },
    'the operator created service first-app',
    60_000,
  );
  assert.equal(service.metadata.ownerReferences?.[0]?.name, 'first');
  assert.deepEqual(service.spec.selector, { 'ops.test/widget': 'first' });
  const status = await eventually(
    async () => {
      const w = JSON.parse(await n.kubectl(['get', 'widget', 'first', '-n', 'ops', '-o', 'json']));
      return w.status?.phase === 'Ready' ? w.status : undefined;
    },
    'widget first Ready (its Deployment has a ready pod)',
    120_000,
  );
  assert.deepEqual(status, { deployment: 'first-app', readyReplicas: 1, observedGeneration: 1, phase: 'Ready' });
  assert.match(await n.kubectl(['get', 'widgets', '-n', 'ops']), /first\s+1\s+Ready/);
  // The status was written through the status subresource by the operator's ServiceAccount.
  const w = JSON.parse(await n.kubectl(['get', 'widget', 'first', '-n', 'ops', '-o', 'json', '--show-managed-fields']));
  const statusWrite = (w.metadata.managedFields ?? []).find(
    (f: { subresource?: string }) => f.subresource === 'status',
  );
  assert.ok(statusWrite, JSON.stringify(w.metadata.managedFields));

  // Scaling the Widget scales its Deployment (level-triggered reconcile on update).
  await n.kubectl(['patch', 'widget', 'first', '-n', 'ops', '--type=merge', '-p', '{"spec":{"replicas":2}}']);
  await eventually(
    async () => {
      const d = JSON.parse(await n.kubectl(['get', 'deployment', 'first-app', '-n', 'ops', '-o', 'json']));
      return d.spec.replicas === 2;
    },
    'first-app scaled to 2',
    60_000,
  );

  // The operator's webhook refuses a Widget with too many replicas, on create and on update.
  const refused = await kubectl(['apply', '-f', '-'], widget('greedy', 9));
  assert.notEqual(refused.code, 0);
  assert.ok(
    refused.stderr.includes(
      'admission webhook "widgets.ops.test" denied the request: spec.replicas: 9 is more than the 5 a widget may have',
    ),
    refused.stderr,
  );
  const update = await kubectl([
    'patch',
    'widget',
    'first',
    '-n',
    'ops',
    '--type=merge',
    '-p',
    '{"spec":{"replicas":6}}',
  ]);
  assert.notEqual(update.code, 0);
  assert.ok(update.stderr.includes('spec.replicas: 6 is more than the 5'), update.stderr);
  assert.equal((await kubectl(['get', 'widget', 'greedy', '-n', 'ops'])).code, 1);

  // Deleting the Widget removes its Deployment and Service (garbage collection through the ownerReferences).
  await n.kubectl(['delete', 'widget', 'first', '-n', 'ops']);
  await eventually(
    async () =>
      (await kubectl(['get', 'deployment', 'first-app', '-n', 'ops'])).code !== 0 &&
      (await kubectl(['get', 'service', 'first-app', '-n', 'ops'])).code !== 0,
    'first-app garbage-collected',
    60_000,
  );
  const logs = await n.kubectl(['logs', '-n', 'ops', 'deployment/widget-operator']);
  assert.match(logs, /"msg":"deployment created"/);
});
