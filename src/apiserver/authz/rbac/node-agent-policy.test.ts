import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPolicy, resolveAggregation, withNodeAgentPolicy } from '../../../api/rbac/index.js';
import type { ResourceAttributes } from '../authorizer.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { staticRbacLister } from './rbac-lister.js';

const policy = withNodeAgentPolicy(bootstrapPolicy());
const rbac = new RbacAuthorizer(staticRbacLister({ ...policy, clusterRoles: resolveAggregation(policy.clusterRoles) }));
const node = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function can(verb: string, resource: string, namespace = '', apiGroup = '', subresource = ''): boolean {
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

test('with RBAC, an agent on the join token may do what its parts need, and not more', () => {
  assert.ok(can('create', 'nodes'));
  assert.ok(can('patch', 'nodes', '', '', 'status'));
  assert.ok(can('update', 'pods', 'default', '', 'status'));
  assert.ok(can('update', 'leases', 'kube-node-lease', 'coordination.k8s.io'));
  assert.ok(can('watch', 'endpointslices', '', 'discovery.k8s.io'));
  assert.ok(can('list', 'networkpolicies', '', 'networking.k8s.io'));
  assert.ok(can('list', 'namespaces'));
  assert.ok(can('create', 'secrets', 'kube-system'));
  assert.ok(can('update', 'secrets', 'kube-system'));

  assert.ok(!can('create', 'secrets', 'default'));
  assert.ok(!can('create', 'clusterrolebindings', '', 'rbac.authorization.k8s.io'));
  assert.ok(!can('delete', 'nodes'));
  assert.ok(!can('create', 'deployments', 'default', 'apps'));
});
