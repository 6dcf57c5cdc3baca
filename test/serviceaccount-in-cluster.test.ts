/**
 * A real in-cluster client: a pod whose image carries the machine's node binary and
 * @kubernetes/client-node (test/fixtures/images/node-client.ts) runs loadFromCluster() with the
 * token, ca.crt and namespace of its injected kube-api-access volume, on a server with RBAC. Its
 * ServiceAccount may list pods in its namespace (a Role and RoleBinding) and nothing else: the pod
 * list works through the kubernetes Service's IP and through https://kubernetes.default.svc
 * (cluster DNS), the secret list is a 403 naming the ServiceAccount. The server listens on all
 * addresses and advertises the node bridge's gateway, where the pod's traffic to 10.43.0.1:443 is
 * sent by the node's service proxy. Runs as root (real containers, test/helpers/real-node.ts).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { buildNodeClientImage, NODE_CLIENT_IMAGE } from './fixtures/images/node-client.js';

let node: RealNode | undefined;
let imageDir: string | undefined;

before(async () => {
  const third = 200 + Math.floor(Math.random() * 50);
  node = await startRealNode({
    name: 'sa-client',
    podCIDR: `10.42.${third}.0/24`,
    server: {
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
  const image = await buildNodeClientImage();
  imageDir = image.dir;
  await node.agent.images.importArchive(image.file);
});

after(async () => {
  await node?.stop();
  if (imageDir) await rm(imageDir, { recursive: true, force: true });
});

const manifest = (nodeName: string): string => `
apiVersion: v1
kind: Namespace
metadata: { name: in-cluster }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: reader, namespace: in-cluster }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader, namespace: in-cluster }
rules:
- apiGroups: ['']
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: reader-reads-pods, namespace: in-cluster }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects:
- { kind: ServiceAccount, name: reader, namespace: in-cluster }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: in-cluster }
spec:
  nodeName: ${nodeName}
  serviceAccountName: reader
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: client
    image: ${NODE_CLIENT_IMAGE}
    imagePullPolicy: Never
    command: [/usr/bin/node, /app/client.mjs]
`;

interface Attempt {
  items?: string[];
  code?: number;
  message?: string;
}

test('a pod lists what its ServiceAccount may list with loadFromCluster() and gets 403 for the rest', async () => {
  if (!node) throw new Error('no node');
  await node.kubectl(['apply', '-f', '-'], manifest(node.nodeName));
  const pod = await node.waitForPod(
    'client',
    (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    120_000,
    'in-cluster',
  );
  const logs = await node.kubectl(['logs', '-n', 'in-cluster', 'client']);
  assert.equal(pod.status?.phase, 'Succeeded', logs);
  const volume = pod.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
  assert.ok(volume?.projected, 'admission injected the token volume');
  const out = JSON.parse(logs.trim().split('\n').at(-1) ?? '{}') as Record<string, Attempt | string>;
  assert.equal(out.server, 'https://10.43.0.1:443');
  assert.equal(out.namespace, 'in-cluster');
  assert.deepEqual(out.pods, { items: ['client'] });
  assert.deepEqual(out.podsByName, { items: ['client'] });
  assert.deepEqual(out.secrets, {
    code: 403,
    message:
      'secrets is forbidden: User "system:serviceaccount:in-cluster:reader" cannot list resource "secrets" in API group "" in the namespace "in-cluster"',
  });
});
