import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResourceType } from '../../api/resource-types.js';
import type { ResourceType } from '../../api/resource-type.js';
import { forbiddenLabels, nodeRestriction } from './node-restriction.js';
import { AdmissionChain, type AdmissionOperation, anonymousRequest } from './plugin.js';

const n1 = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const admin = { name: 'admin', groups: ['system:masters'] };

const rt = (group: string, version: string, plural: string): ResourceType => {
  const t = findResourceType(group, version, plural);
  if (!t) throw new Error(plural);
  return t;
};
const PODS = rt('', 'v1', 'pods');
const NODES = rt('', 'v1', 'nodes');
const LEASES = rt('coordination.k8s.io', 'v1', 'leases');
const SERVICE_ACCOUNTS = rt('', 'v1', 'serviceaccounts');

const nodes: Record<string, Node> = { n1: { metadata: { name: 'n1', uid: 'uid-n1' } } };
const pods: Record<string, Pod> = {
  'default/mine': {
    metadata: { name: 'mine', namespace: 'default', uid: 'p1' },
    spec: { nodeName: 'n1', containers: [] },
  },
  'default/theirs': {
    metadata: { name: 'theirs', namespace: 'default', uid: 'p2' },
    spec: { nodeName: 'n2', containers: [] },
  },
};
const chain = new AdmissionChain([nodeRestriction({ node: (n) => nodes[n], pod: (ns, n) => pods[`${ns}/${n}`] })]);

async function admit(
  op: AdmissionOperation,
  type: ResourceType,
  obj: object,
  old: object | undefined,
  extra: { subresource?: string; namespace?: string; name?: string; user?: { name: string; groups: string[] } } = {},
): Promise<string> {
  const o = obj as KubeObject;
  try {
    await chain.admit(op, type, o, old as KubeObject | undefined, {
      ...anonymousRequest(),
      user: extra.user ?? n1,
      subresource: extra.subresource ?? '',
      namespace: extra.namespace ?? o.metadata?.namespace ?? '',
      name: extra.name ?? o.metadata?.name ?? '',
    });
    return 'ok';
  } catch (e) {
    if (e instanceof ApiError) return `${e.code} ${e.message}`;
    throw e;
  }
}

const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) =>
  ({ metadata: { name, labels }, spec: { taints } }) as Node;

test('a node modifies only its own Node, without taints or restricted labels', async () => {
  assert.equal(await admit('update', NODES, node('n1', { a: 'b' }), node('n1')), 'ok');
  assert.equal(
    await admit('update', NODES, node('n2'), node('n2')),
    '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
  );
  assert.equal(
    await admit('delete', NODES, node('n2'), node('n2')),
    '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
  );
  assert.equal(
    await admit('update', NODES, node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]), node('n1')),
    '403 nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
  );
  assert.equal(
    await admit('update', NODES, node('n1', { 'node-restriction.kubernetes.io/secure': 'yes' }), node('n1')),
    '403 nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/secure',
  );
  assert.equal(
    await admit(
      'create',
      NODES,
      node('n1', { 'node-role.kubernetes.io/master': '', 'kubernetes.io/os': 'linux' }),
      undefined,
    ),
    '403 nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-role.kubernetes.io/master',
  );
  assert.equal(
    await admit('create', NODES, node('n1', { 'kubernetes.io/os': 'linux', 'x.node.kubernetes.io/y': '1' }), undefined),
    'ok',
  );
  // status updates through nodes/status follow the same rules
  assert.equal(await admit('update', NODES, node('n1'), node('n1'), { subresource: 'status' }), 'ok');
  // other users are not the plugin's business
  assert.equal(
    await admit('update', NODES, node('n2', { 'node-restriction.kubernetes.io/x': '1' }), node('n2'), { user: admin }),
    'ok',
  );
});

test('forbidden labels as Kubernetes lists them', () => {
  assert.deepEqual(
    forbiddenLabels([
      'node-restriction.kubernetes.io/a',
      'example.node-restriction.kubernetes.io/b',
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
      'kubelet.kubernetes.io/x',
      'node.kubernetes.io/exclude-from-external-load-balancers',
      'custom.k8s.io/z',
      'example.com/fine',
      'plain',
    ]),
    ['custom.k8s.io/z', 'example.node-restriction.kubernetes.io/b', 'node-restriction.kubernetes.io/a'],
  );
});

test('pod status only of its own pods, and no label changes through it', async () => {
  const mine = pods['default/mine'];
  assert.equal(await admit('update', PODS, mine, mine, { subresource: 'status' }), 'ok');
  const theirs = pods['default/theirs'];
  assert.equal(
    await admit('update', PODS, theirs, theirs, { subresource: 'status' }),
    '403 pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
  );
  assert.equal(
    await admit('update', PODS, { ...mine, metadata: { ...mine.metadata, labels: { a: 'b' } } }, mine, {
      subresource: 'status',
    }),
    '403 pods "mine" is forbidden: node "n1" cannot update labels through pod status',
  );
  assert.equal(
    await admit('update', PODS, mine, mine),
    '403 pods "mine" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods',
  );
});

test('deletes and evictions only of its own pods', async () => {
  assert.equal(await admit('delete', PODS, pods['default/mine'], pods['default/mine']), 'ok');
  assert.equal(
    await admit('delete', PODS, pods['default/theirs'], pods['default/theirs']),
    '403 pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
  );
  const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'theirs', namespace: 'default' } };
  assert.equal(
    await admit('create', PODS, eviction, pods['default/theirs'], { subresource: 'eviction' }),
    '403 pods "theirs" is forbidden: node n1 can only evict pods with spec.nodeName set to itself',
  );
  assert.equal(
    await admit('create', PODS, { ...eviction, metadata: { name: 'mine' } }, pods['default/mine'], {
      subresource: 'eviction',
      namespace: 'default',
    }),
    'ok',
  );
});

test('mirror pods: annotated, bound to itself, owned by its Node, referring to nothing', async () => {
  const mirror = (spec: Partial<NonNullable<Pod['spec']>> = {}, owner: Record<string, unknown> = {}) => ({
    metadata: {
      name: 'static-n1',
      namespace: 'default',
      annotations: { 'kubernetes.io/config.mirror': 'hash' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1', controller: true, ...owner }],
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], ...spec },
  });
  assert.equal(await admit('create', PODS, mirror(), undefined), 'ok');
  const plain = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1', containers: [] } };
  assert.equal(
    await admit('create', PODS, plain, undefined),
    '403 pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
  );
  assert.equal(
    await admit('create', PODS, mirror({ nodeName: 'n2' }), undefined),
    '403 pods "static-n1" is forbidden: node "n1" can only create pods with spec.nodeName set to itself',
  );
  assert.equal(
    await admit('create', PODS, mirror({}, { uid: 'other' }), undefined),
    '403 pods "static-n1" is forbidden: node n1 UID mismatch: expected uid-n1 got other',
  );
  assert.equal(
    await admit('create', PODS, mirror({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }), undefined),
    '403 pods "static-n1" is forbidden: node "n1" can not create pods that reference secrets',
  );
});

test('its own Lease in kube-node-lease only', async () => {
  const lease = (name: string, namespace = 'kube-node-lease') => ({ metadata: { name, namespace } });
  assert.equal(await admit('create', LEASES, lease('n1'), undefined), 'ok');
  assert.equal(
    await admit('create', LEASES, lease('n2'), undefined),
    '403 leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
  );
  assert.equal(
    await admit('update', LEASES, lease('n1', 'kube-system'), lease('n1', 'kube-system')),
    '403 leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace',
  );
});

test('tokens only for pods bound to the node', async () => {
  const request = (name: string, uid: string) => ({
    metadata: { name: 'default' },
    spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid } },
  });
  const sa = { subresource: 'token', namespace: 'default', name: 'default' };
  assert.equal(await admit('create', SERVICE_ACCOUNTS, request('mine', 'p1'), undefined, sa), 'ok');
  assert.equal(
    await admit('create', SERVICE_ACCOUNTS, request('theirs', 'p2'), undefined, sa),
    '403 serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node',
  );
  assert.equal(
    await admit('create', SERVICE_ACCOUNTS, { metadata: { name: 'default' }, spec: {} }, undefined, sa),
    '403 serviceaccounts "default" is forbidden: node requested token not bound to a pod',
  );
});

test('only node users make the chain impure (other creates still go to write workers)', () => {
  const attrs = (user: { name: string; groups: string[] }) => ({
    ...anonymousRequest(),
    user,
    namespace: 'default',
  });
  assert.equal(chain.runsInWorker(PODS, 'create', attrs(admin)), true);
  assert.equal(chain.runsInWorker(PODS, 'create', undefined), true);
  assert.equal(chain.runsInWorker(PODS, 'create', attrs(n1)), false);
});
