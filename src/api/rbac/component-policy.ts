import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { eventsRule } from './controller-policy.js';
import { clusterRole, clusterRoleBinding, newRule, serviceAccountSubject, userSubject } from './rule-builder.js';
import { KUBE_SCHEDULER } from './users.js';

/**
 * What Flotilla's own control-plane components need beyond Kubernetes' roles for them:
 * - `flotilla:kube-scheduler`, bound to user system:kube-scheduler: reads of PriorityClasses
 *   (Flotilla's scheduler resolves a pod's priority from its class when the pod has none yet;
 *   kube-scheduler leaves that to the Priority admission plugin and never reads them).
 * - `flotilla:controller:ingress-status-controller`, bound to the ServiceAccount
 *   kube-system/ingress-status-controller the built-in Ingress class's status writer runs as (an
 *   ingress controller has a role of its own in Kubernetes too, e.g. ingress-nginx's): Ingress status, events.
 * - `flotilla:controller:gateway-status-controller`, bound to kube-system/gateway-status-controller:
 *   the status of the Gateway API objects of the built-in GatewayClass, events.
 */
export const SCHEDULER_EXTRA_ROLE = 'flotilla:kube-scheduler';
export const INGRESS_STATUS_CONTROLLER = 'ingress-status-controller';
const INGRESS_STATUS_ROLE = `flotilla:controller:${INGRESS_STATUS_CONTROLLER}`;
export const GATEWAY_STATUS_CONTROLLER = 'gateway-status-controller';
const GATEWAY_STATUS_ROLE = `flotilla:controller:${GATEWAY_STATUS_CONTROLLER}`;

export function componentClusterRoles(): ClusterRole[] {
  return [
    clusterRole(SCHEDULER_EXTRA_ROLE, [
      newRule('get', 'list', 'watch').groups('scheduling.k8s.io').resources('priorityclasses').rule(),
    ]),
    clusterRole(INGRESS_STATUS_ROLE, [
      newRule('update', 'patch').groups('networking.k8s.io').resources('ingresses/status').rule(),
      eventsRule(),
    ]),
    clusterRole(GATEWAY_STATUS_ROLE, [
      newRule('update', 'patch')
        .groups('gateway.networking.k8s.io')
        .resources('gatewayclasses/status', 'gateways/status', 'httproutes/status', 'grpcroutes/status')
        .rule(),
      eventsRule(),
    ]),
  ];
}

export function componentClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding(SCHEDULER_EXTRA_ROLE, [userSubject(KUBE_SCHEDULER)]),
    clusterRoleBinding(INGRESS_STATUS_ROLE, [serviceAccountSubject('kube-system', INGRESS_STATUS_CONTROLLER)]),
    clusterRoleBinding(GATEWAY_STATUS_ROLE, [serviceAccountSubject('kube-system', GATEWAY_STATUS_CONTROLLER)]),
  ];
}
