import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPolicy, resolveAggregation, withNodeAgentPolicy } from '../../../api/rbac/index.js';
import type { ResourceAttributes } from '../authorizer.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { staticRbacLister } from './rbac-lister.js';

const node = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function rbacOf(nodeAuthorizer: boolean): RbacAuthorizer {
  const policy = withNodeAgentPolicy(bootstrapPolicy(), nodeAuthorizer);
  return new RbacAuthorizer(staticRbacLister({ ...policy, clusterRoles: resolveAggregation(policy.clusterRoles) }));
}

function can(
  verb: string,
  resource: string,
  namespace = '',
  apiGroup = '',
  subresource = '',
  rbac = rbacOf(false),
): boolean {
  const a: ResourceAttributes = {
    resourceRequest: true,
    user: node,
    verb,
    apiGroup,
    apiVersion: 'v1',
    resource,
    subresource,
    namespace,
    name: '',
  };
  return rbac.authorize(a).decision === 'allow';
}

test('with RBAC alone, an agent may do what system:node and its parts need, and not more', () => {
  assert.ok(can('create', 'nodes'));
  assert.ok(can('patch', 'nodes', '', '', 'status'));
  assert.ok(can('update', 'pods', 'default', '', 'status'));
  assert.ok(can('update', 'leases', 'kube-node-lease', 'coordination.k8s.io'));
  assert.ok(can('watch', 'endpointslices', '', 'discovery.k8s.io'));
  assert.ok(can('list', 'networkpolicies', '', 'networking.k8s.io'));
  assert.ok(can('list', 'namespaces'));

  assert.ok(!can('create', 'secrets', 'kube-system'));
  assert.ok(!can('create', 'secrets', 'default'));
  assert.ok(!can('create', 'clusterrolebindings', '', 'rbac.authorization.k8s.io'));
  assert.ok(!can('delete', 'nodes'));
  assert.ok(!can('create', 'deployments', 'default', 'apps'));
});

test('with the Node authorizer, RBAC gives nodes only the reads of the proxy, DNS and NetworkPolicy parts', () => {
  const rbac = rbacOf(true);
  assert.ok(can('watch', 'endpointslices', '', 'discovery.k8s.io', '', rbac));
  assert.ok(can('list', 'services', '', '', '', rbac));
  assert.ok(can('list', 'networkpolicies', '', 'networking.k8s.io', '', rbac));
  assert.ok(!can('create', 'nodes', '', '', '', rbac));
  assert.ok(!can('get', 'secrets', 'kube-system', '', '', rbac));
  assert.ok(!can('update', 'pods', 'default', '', 'status', rbac));
});

test("the API server's kubelet client may call every agent path", () => {
  const rbac = rbacOf(true);
  const user = { name: 'kube-apiserver-kubelet-client', groups: ['system:authenticated'] };
  for (const sub of ['proxy', 'log', 'stats', 'metrics']) {
    const a: ResourceAttributes = {
      resourceRequest: true,
      user,
      verb: 'create',
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'nodes',
      subresource: sub,
      namespace: '',
      name: 'n1',
    };
    assert.equal(rbac.authorize(a).decision, 'allow', sub);
  }
});
