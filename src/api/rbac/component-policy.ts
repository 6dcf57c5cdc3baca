import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { clusterRole, clusterRoleBinding, newRule, userSubject } from './rule-builder.js';
import { KUBE_SCHEDULER } from './users.js';

/**
 * What Flotilla's own control-plane components need beyond Kubernetes' roles for them:
 * - `flotilla:kube-scheduler`, bound to user system:kube-scheduler: reads of PriorityClasses
 *   (Flotilla's scheduler resolves a pod's priority from its class when the pod has none yet;
 *   kube-scheduler leaves that to the Priority admission plugin and never reads them).
 */
export const SCHEDULER_EXTRA_ROLE = 'flotilla:kube-scheduler';

export function componentClusterRoles(): ClusterRole[] {
  return [
    clusterRole(SCHEDULER_EXTRA_ROLE, [
      newRule('get', 'list', 'watch').groups('scheduling.k8s.io').resources('priorityclasses').rule(),
    ]),
  ];
}

export function componentClusterRoleBindings(): ClusterRoleBinding[] {
  return [clusterRoleBinding(SCHEDULER_EXTRA_ROLE, [userSubject(KUBE_SCHEDULER)])];
}
