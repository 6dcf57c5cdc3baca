import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { BootstrapPolicy } from './bootstrap-policy.js';
import {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAPPING_LABEL,
  BOOTSTRAPPING_VALUE,
  clusterRole,
  clusterRoleBinding,
  groupSubject,
  newRule,
  RBAC_GROUP,
} from './rule-builder.js';
import { NODES_GROUP } from './users.js';

/**
 * Stand-in for the Node authorizer while it does not exist: with RBAC on, the `system:nodes`
 * group is bound to `system:node` (as Kubernetes did before 1.8) and to `flotilla:node-agent`,
 * the reads of the node's other parts (service proxy, cluster DNS, NetworkPolicy) that
 * `system:node` lacks. Separate bindings, so dropping them later is one delete each. The Role of
 * the same name in kube-system lets an agent publish its serving CA and token in the Secret
 * `kube-system/flotilla-agent-<node>` (which the API server reads to reach it), until node
 * serving certificates replace that Secret.
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

const NODE_AGENT_NAMESPACE = 'kube-system';

function meta(name: string): Role['metadata'] {
  return {
    name,
    namespace: NODE_AGENT_NAMESPACE,
    labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

export function nodeAgentRoles(): Role[] {
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: meta(NODE_AGENT_ROLE),
      rules: [newRule('get', 'create', 'update', 'patch').groups('').resources('secrets').rule()],
    },
  ];
}

export function nodeAgentRoleBindings(): RoleBinding[] {
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'RoleBinding',
      metadata: meta(NODE_AGENT_ROLE),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: NODE_AGENT_ROLE },
      subjects: [groupSubject(NODES_GROUP)],
    },
  ];
}

/** The bootstrap policy plus the node-agent roles and bindings above. Fresh objects each call. */
export function withNodeAgentPolicy(policy: BootstrapPolicy): BootstrapPolicy {
  return {
    clusterRoles: [...policy.clusterRoles, ...nodeAgentClusterRoles()],
    clusterRoleBindings: [...policy.clusterRoleBindings, ...nodeAgentClusterRoleBindings()],
    roles: [...policy.roles, ...nodeAgentRoles()],
    roleBindings: [...policy.roleBindings, ...nodeAgentRoleBindings()],
  };
}
