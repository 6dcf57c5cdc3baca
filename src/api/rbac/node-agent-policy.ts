import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { BootstrapPolicy } from './bootstrap-policy.js';
import { clusterRole, clusterRoleBinding, groupSubject, newRule } from './rule-builder.js';
import { NODES_GROUP } from './users.js';

/**
 * Stand-in for the Node authorizer while it does not exist: with RBAC on, the `system:nodes`
 * group is bound to `system:node` (as Kubernetes did before 1.8) and to `flotilla:node-agent`,
 * the reads of the node's other parts (service proxy, cluster DNS, NetworkPolicy) that
 * `system:node` lacks. Separate bindings, so dropping them later is one delete each.
 */
export const NODE_AGENT_ROLE = 'flotilla:node-agent';

export function nodeAgentClusterRoles(): ClusterRole[] {
  return [
    clusterRole(NODE_AGENT_ROLE, [
      newRule('get', 'list', 'watch')
        .groups('')
        .resources('namespaces', 'services', 'endpoints', 'pods', 'nodes')
        .rule(),
      newRule('get', 'list', 'watch').groups('discovery.k8s.io').resources('endpointslices').rule(),
      newRule('get', 'list', 'watch').groups('networking.k8s.io').resources('networkpolicies').rule(),
    ]),
  ];
}

export function nodeAgentClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('flotilla:nodes', [groupSubject(NODES_GROUP)], 'system:node'),
    clusterRoleBinding(NODE_AGENT_ROLE, [groupSubject(NODES_GROUP)]),
  ];
}

/** The bootstrap policy plus the node-agent roles and bindings above. Fresh objects each call. */
export function withNodeAgentPolicy(policy: BootstrapPolicy): BootstrapPolicy {
  return {
    ...policy,
    clusterRoles: [...policy.clusterRoles, ...nodeAgentClusterRoles()],
    clusterRoleBindings: [...policy.clusterRoleBindings, ...nodeAgentClusterRoleBindings()],
  };
}
