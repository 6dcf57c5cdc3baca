import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { BootstrapPolicy } from './bootstrap-policy.js';
import { clusterRole, clusterRoleBinding, groupSubject, newRule, userSubject } from './rule-builder.js';
import { NODES_GROUP } from './users.js';

/**
 * What Flotilla adds to Kubernetes' bootstrap policy for its nodes and for the API server's calls
 * to them:
 * - `flotilla:node-agent`, bound to `system:nodes`: the cluster-wide reads of the parts that run
 *   beside each agent (service proxy, cluster DNS, NetworkPolicy, the ingress proxy's Ingresses and
 *   classes, Gateway API objects), which `system:node` and the Node authorizer do not give; k3s binds its node-proxier
 *   role to its nodes the same way. Not Secrets: the ingress proxy serves TLS Secrets only where its
 *   identity may read them (a node's may not under the Node authorizer).
 * - `kube-apiserver-kubelet-admin`: the API server's client certificate towards agents (user
 *   `kube-apiserver-kubelet-client`) bound to `system:kubelet-api-admin`, so the agents'
 *   SubjectAccessReviews allow its logs, exec, attach, port-forward and stats calls.
 * - with RBAC alone (no Node authorizer), `flotilla:nodes` binds `system:nodes` to `system:node`,
 *   Kubernetes' recipe for clusters that run without the Node authorizer. With it, that binding
 *   is removed (see obsoleteNodeAgentObjects): the Node authorizer gives nodes only their own.
 */
export const NODE_AGENT_ROLE = 'flotilla:node-agent';
/** The user of the API server's client certificate towards agents (kubeadm's and k3s' CN). */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';
export const KUBELET_CLIENT_BINDING = 'kube-apiserver-kubelet-admin';
/** The binding of `system:nodes` to `system:node` kept only while the Node authorizer is off. */
export const NODES_BINDING = 'flotilla:nodes';

export function nodeAgentClusterRoles(): ClusterRole[] {
  return [
    clusterRole(NODE_AGENT_ROLE, [
      newRule('get', 'list', 'watch')
        .groups('')
        .resources('namespaces', 'services', 'endpoints', 'pods', 'nodes')
        .rule(),
      newRule('get', 'list', 'watch').groups('discovery.k8s.io').resources('endpointslices').rule(),
      newRule('get', 'list', 'watch')
        .groups('networking.k8s.io')
        .resources('networkpolicies', 'ingresses', 'ingressclasses')
        .rule(),
      newRule('get', 'list', 'watch')
        .groups('gateway.networking.k8s.io')
        .resources('gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants')
        .rule(),
    ]),
  ];
}

export function nodeAgentClusterRoleBindings(nodeAuthorizer: boolean): ClusterRoleBinding[] {
  const bindings = [
    clusterRoleBinding(NODE_AGENT_ROLE, [groupSubject(NODES_GROUP)]),
    clusterRoleBinding(KUBELET_CLIENT_BINDING, [userSubject(KUBELET_CLIENT_USER)], 'system:kubelet-api-admin'),
  ];
  if (!nodeAuthorizer) bindings.push(clusterRoleBinding(NODES_BINDING, [groupSubject(NODES_GROUP)], 'system:node'));
  return bindings;
}

/** An object an older policy created that the current one no longer wants (deleted at start). */
export interface ObsoleteRbacObject {
  resource: 'clusterrolebindings' | 'roles' | 'rolebindings';
  namespace: string;
  name: string;
}

/**
 * What to delete at start: the kube-system Role and RoleBinding that let agents write Secrets there
 * (agents no longer publish one), and with the Node authorizer the `system:nodes` → `system:node`
 * binding. Deleting what is absent is fine (the caller ignores NotFound).
 */
export function obsoleteNodeAgentObjects(nodeAuthorizer: boolean): ObsoleteRbacObject[] {
  const out: ObsoleteRbacObject[] = [
    { resource: 'rolebindings', namespace: 'kube-system', name: NODE_AGENT_ROLE },
    { resource: 'roles', namespace: 'kube-system', name: NODE_AGENT_ROLE },
  ];
  if (nodeAuthorizer) out.push({ resource: 'clusterrolebindings', namespace: '', name: NODES_BINDING });
  return out;
}

/**
 * The bootstrap policy plus the node-agent roles and bindings above; `nodeAuthorizer`: the Node
 * authorizer runs (`Node,RBAC`). Fresh objects each call.
 */
export function withNodeAgentPolicy(policy: BootstrapPolicy, nodeAuthorizer = false): BootstrapPolicy {
  return {
    ...policy,
    clusterRoles: [...policy.clusterRoles, ...nodeAgentClusterRoles()],
    clusterRoleBindings: [...policy.clusterRoleBindings, ...nodeAgentClusterRoleBindings(nodeAuthorizer)],
  };
}
