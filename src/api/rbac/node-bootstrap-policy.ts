import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { clusterRoleBinding, groupSubject, serviceAccountSubject, userSubject } from './rule-builder.js';
import { KUBE_CONTROLLER_MANAGER, NODES_GROUP } from './users.js';

/** The group the cluster join token authenticates in (Kubernetes' bootstrap tokens: system:bootstrappers). */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

/**
 * The bindings kubeadm creates for TLS bootstrapping, which kube-apiserver itself leaves to the
 * installer: the join token's group may create CSRs (`system:node-bootstrapper`) and have a node
 * client certificate auto-approved (`...:nodeclient`); nodes may have the renewal of their own
 * client certificate auto-approved (`...:selfnodeclient`). Beyond kubeadm, the certificate
 * controller (its ServiceAccount, or kube-controller-manager's own user) may approve
 * kubelet-serving requests: Flotilla's approver approves a node's request for its own addresses.
 * Fresh objects each call.
 */
export function nodeBootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('flotilla:kubelet-bootstrap', [groupSubject(BOOTSTRAPPERS_GROUP)], 'system:node-bootstrapper'),
    clusterRoleBinding(
      'flotilla:node-autoapprove-bootstrap',
      [groupSubject(BOOTSTRAPPERS_GROUP)],
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    ),
    clusterRoleBinding(
      'flotilla:node-autoapprove-certificate-rotation',
      [groupSubject(NODES_GROUP)],
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    ),
    clusterRoleBinding(
      'flotilla:kubelet-serving-approver',
      [serviceAccountSubject('kube-system', 'certificate-controller'), userSubject(KUBE_CONTROLLER_MANAGER)],
      'system:certificates.k8s.io:kubelet-serving-approver',
    ),
  ];
}
