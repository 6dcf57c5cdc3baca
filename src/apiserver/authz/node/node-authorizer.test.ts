import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseRequestInfo } from '../../request-info.js';
import { attributesFromRequest } from '../attributes.js';
import type { AuthzUser } from '../authorizer.js';
import { forbiddenStatus } from '../forbidden.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { NodeGraphIndex } from './node-graph.js';

const n1: AuthzUser = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const n2: AuthzUser = { name: 'system:node:n2', groups: ['system:nodes', 'system:authenticated'] };

function pod(name: string, node: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { nodeName: node, serviceAccountName: 'default', containers: [{ name: 'c' }], ...spec },
  } as Pod;
}

const web = pod('web', 'n1', {
  imagePullSecrets: [{ name: 'pull' }],
  containers: [
    {
      name: 'c',
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'a' } } }],
      envFrom: [{ configMapRef: { name: 'env-config' } }],
    },
  ],
  volumes: [
    { name: 's', secret: { secretName: 'vol-secret' } },
    { name: 'cm', configMap: { name: 'vol-config' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'p', projected: { sources: [{ secret: { name: 'projected-secret' } }] } },
  ],
});

function setup() {
  const graph = new NodeGraphIndex();
  graph.setPod('/registry/core/pods/default/web', web);
  graph.setPersistentVolume('pv-1', { spec: { claimRef: { namespace: 'default', name: 'data' } } });
  graph.setPersistentVolume('pv-2', { spec: { claimRef: { namespace: 'default', name: 'other' } } });
  const authz = new NodeAuthorizer(graph);
  const ask = (user: AuthzUser, method: string, url: string) =>
    authz.authorize(attributesFromRequest(user, method, parseRequestInfo(method, url)));
  return { graph, ask };
}

test('a node reads the Secrets and ConfigMaps its pods refer to, and no others', () => {
  const { ask } = setup();
  for (const s of ['pull', 'env-secret', 'vol-secret', 'projected-secret'])
    assert.equal(ask(n1, 'GET', `/api/v1/namespaces/default/secrets/${s}`).decision, 'allow', s);
  for (const c of ['env-config', 'vol-config'])
    assert.equal(ask(n1, 'GET', `/api/v1/namespaces/default/configmaps/${c}`).decision, 'allow', c);
  // the kubelet's watch of one Secret
  assert.equal(
    ask(n1, 'GET', '/api/v1/namespaces/default/secrets?watch=true&fieldSelector=metadata.name%3Dvol-secret').decision,
    'allow',
  );
  const other = ask(n1, 'GET', '/api/v1/namespaces/default/secrets/other');
  assert.deepEqual(other, { decision: 'noOpinion', reason: "no relationship found between node 'n1' and this object" });
  assert.equal(ask(n2, 'GET', '/api/v1/namespaces/default/secrets/vol-secret').decision, 'noOpinion');
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/kube-system/secrets/vol-secret').decision, 'noOpinion');
  assert.deepEqual(ask(n1, 'GET', '/api/v1/namespaces/default/secrets'), {
    decision: 'noOpinion',
    reason: 'No Object name found',
  });
  assert.deepEqual(ask(n1, 'GET', '/api/v1/secrets'), {
    decision: 'noOpinion',
    reason: 'can only read namespaced object of this type',
  });
  assert.deepEqual(ask(n1, 'PUT', '/api/v1/namespaces/default/secrets/vol-secret'), {
    decision: 'noOpinion',
    reason: 'can only read resources of this type',
  });
});

test('the 403 carries the Node authorizer reason in Kubernetes words', () => {
  const a = attributesFromRequest(n1, 'GET', parseRequestInfo('GET', '/api/v1/namespaces/default/secrets/other'));
  assert.equal(
    forbiddenStatus(a, "no relationship found between node 'n1' and this object").message,
    'secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
  );
});

test('claims, volumes and service account tokens follow the graph', () => {
  const { ask } = setup();
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/data').decision, 'allow');
  assert.equal(ask(n1, 'GET', '/api/v1/persistentvolumes/pv-1').decision, 'allow');
  assert.equal(ask(n1, 'GET', '/api/v1/persistentvolumes/pv-2').decision, 'noOpinion');
  assert.equal(ask(n1, 'GET', '/api/v1/persistentvolumes').decision, 'noOpinion');
  assert.equal(ask(n1, 'PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/data/status').decision, 'allow');
  assert.equal(ask(n1, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token').decision, 'allow');
  assert.equal(ask(n1, 'POST', '/api/v1/namespaces/default/serviceaccounts/builder/token').decision, 'noOpinion');
  assert.equal(ask(n2, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token').decision, 'noOpinion');
});

test('references go when the last pod using them goes or moves', () => {
  const { graph, ask } = setup();
  graph.setPod(
    '/registry/core/pods/default/web2',
    pod('web2', 'n1', { volumes: [{ name: 's', secret: { secretName: 'vol-secret' } }] }),
  );
  graph.setPod('/registry/core/pods/default/web', undefined);
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/default/secrets/vol-secret').decision, 'allow');
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/default/secrets/pull').decision, 'noOpinion');
  graph.setPod('/registry/core/pods/default/web2', undefined);
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/default/secrets/vol-secret').decision, 'noOpinion');
  // an unbound pod gives nothing; binding it does
  const unbound = pod('late', '', { volumes: [{ name: 's', secret: { secretName: 'late' } }] });
  graph.setPod('/registry/core/pods/default/late', unbound);
  assert.equal(ask(n2, 'GET', '/api/v1/namespaces/default/secrets/late').decision, 'noOpinion');
  graph.setPod('/registry/core/pods/default/late', { ...unbound, spec: { ...unbound.spec, nodeName: 'n2' } } as Pod);
  assert.equal(ask(n2, 'GET', '/api/v1/namespaces/default/secrets/late').decision, 'allow');
});

test('leases of its own name in kube-node-lease, the system:node rules for the rest', () => {
  const { ask } = setup();
  assert.equal(ask(n1, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1').decision, 'allow');
  assert.equal(ask(n1, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases').decision, 'allow');
  assert.deepEqual(ask(n1, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2'), {
    decision: 'noOpinion',
    reason: 'can only access node lease with the same name as the requesting node',
  });
  assert.equal(ask(n1, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/n1').decision, 'noOpinion');
  assert.equal(ask(n1, 'GET', '/api/v1/pods').decision, 'allow');
  assert.equal(ask(n1, 'PATCH', '/api/v1/nodes/n1/status').decision, 'allow');
  assert.equal(ask(n1, 'PATCH', '/api/v1/namespaces/default/pods/web/status').decision, 'allow');
  assert.equal(ask(n1, 'POST', '/api/v1/namespaces/default/events').decision, 'allow');
  assert.equal(ask(n1, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests').decision, 'allow');
  assert.equal(ask(n1, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews').decision, 'allow');
  assert.equal(ask(n1, 'DELETE', '/api/v1/namespaces/default/services/x').decision, 'noOpinion');
  assert.equal(ask(n1, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings').decision, 'noOpinion');
});

test('only node users: others get no opinion, a nameless node a reason', () => {
  const { ask } = setup();
  const bob = { name: 'bob', groups: ['system:authenticated'] };
  assert.deepEqual(ask(bob, 'GET', '/api/v1/namespaces/default/secrets/pull'), { decision: 'noOpinion', reason: '' });
  const notInGroup = { name: 'system:node:n1', groups: ['system:authenticated'] };
  assert.equal(ask(notInGroup, 'GET', '/api/v1/namespaces/default/secrets/pull').decision, 'noOpinion');
  const bootstrapper = { name: 'system:node-bootstrapper', groups: ['system:bootstrappers', 'system:nodes'] };
  assert.deepEqual(ask(bootstrapper, 'GET', '/api/v1/pods'), { decision: 'noOpinion', reason: '' });
  const nameless = { name: 'system:node:', groups: ['system:nodes'] };
  assert.deepEqual(ask(nameless, 'GET', '/api/v1/pods'), {
    decision: 'noOpinion',
    reason: 'unknown node for user "system:node:"',
  });
});

test('a Secret a bound PV names is readable through the claim of a pod on the node', () => {
  const { graph, ask } = setup();
  graph.setPersistentVolume('pv-1', {
    spec: {
      claimRef: { namespace: 'default', name: 'data' },
      csi: { driver: 'd', volumeHandle: 'h', nodePublishSecretRef: { namespace: 'storage', name: 'csi-creds' } },
    },
  });
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/storage/secrets/csi-creds').decision, 'allow');
  assert.equal(ask(n2, 'GET', '/api/v1/namespaces/storage/secrets/csi-creds').decision, 'noOpinion');
  graph.setPersistentVolume('pv-1', { spec: { claimRef: { namespace: 'default', name: 'data' } } });
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/storage/secrets/csi-creds').decision, 'noOpinion');
});

test('every node reads the TLS Secrets served Ingresses name, by name only; other users get nothing from it', () => {
  const readable = new Set(['web/site-tls']);
  const authz = new NodeAuthorizer(new NodeGraphIndex(), {
    readable: (namespace, name) => readable.has(`${namespace}/${name}`),
  });
  const ask = (user: AuthzUser, method: string, url: string) =>
    authz.authorize(attributesFromRequest(user, method, parseRequestInfo(method, url)));
  for (const node of [n1, n2]) {
    assert.equal(ask(node, 'GET', '/api/v1/namespaces/web/secrets/site-tls').decision, 'allow');
    assert.equal(
      ask(node, 'GET', '/api/v1/namespaces/web/secrets?watch=true&fieldSelector=metadata.name%3Dsite-tls').decision,
      'allow',
    );
  }
  assert.equal(
    ask(n1, 'GET', '/api/v1/namespaces/web/secrets/other').reason,
    "no relationship found between node 'n1' and this object",
  );
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/web/secrets').decision, 'noOpinion');
  assert.equal(ask(n1, 'GET', '/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls').decision, 'noOpinion');
  assert.equal(ask(n1, 'PUT', '/api/v1/namespaces/web/secrets/site-tls').decision, 'noOpinion');
  assert.equal(ask(n1, 'DELETE', '/api/v1/namespaces/web/secrets/site-tls').decision, 'noOpinion');
  const bob: AuthzUser = { name: 'bob', groups: ['system:authenticated'] };
  assert.equal(ask(bob, 'GET', '/api/v1/namespaces/web/secrets/site-tls').decision, 'noOpinion');
});
