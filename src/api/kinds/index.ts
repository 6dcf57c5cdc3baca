import type { KindStrategy } from '../kind-strategy.js';
import type { ResourceType } from '../resource-type.js';
import { allResourceTypes, customStrategy } from '../resource-types.js';
import { certificateSigningRequestStrategy } from './certificate-signing-request.js';
import { customResourceDefinitionStrategy } from './custom-resource-definition.js';
import { configMapStrategy } from './configmap.js';
import { controllerRevisionStrategy } from './controller-revision.js';
import { cronJobStrategy } from './cronjob.js';
import { daemonSetStrategy } from './daemonset.js';
import { deploymentStrategy } from './deployment.js';
import { endpointSliceStrategy } from './endpoint-slice.js';
import { endpointsStrategy } from './endpoints.js';
import { eventStrategy, eventsV1Strategy } from './event.js';
import { genericStrategy } from './generic.js';
import { hpaStrategy } from './hpa.js';
import { ingressClassStrategy } from './ingress-class.js';
import { ingressStrategy } from './ingress.js';
import { jobStrategy } from './job.js';
import { leaseStrategy } from './lease.js';
import { limitRangeStrategy } from './limit-range.js';
import { namespaceStrategy } from './namespace.js';
import { networkPolicyStrategy } from './network-policy.js';
import { nodeStrategy } from './node.js';
import { persistentVolumeClaimStrategy } from './persistent-volume-claim.js';
import { persistentVolumeStrategy } from './persistent-volume.js';
import { podDisruptionBudgetStrategy } from './pod-disruption-budget.js';
import { podStrategy } from './pod.js';
import { priorityClassStrategy } from './priority-class.js';
import { clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleStrategy } from './rbac.js';
import { replicaSetStrategy } from './replicaset.js';
import { resourceQuotaStrategy } from './resource-quota.js';
import { secretStrategy } from './secret.js';
import { serviceAccountStrategy } from './service-account.js';
import { serviceStrategy } from './service.js';
import { statefulSetStrategy } from './statefulset.js';
import { storageClassStrategy } from './storage-class.js';
import {
  validatingAdmissionPolicyBindingStrategy,
  validatingAdmissionPolicyStrategy,
} from './validating-admission-policy.js';
import {
  mutatingWebhookConfigurationStrategy,
  validatingWebhookConfigurationStrategy,
} from './webhook-configuration.js';

/** Every kind's strategy keyed `group/Kind` ('' group for core: `/Pod`, `apps/Deployment`). */
export const KIND_STRATEGIES: ReadonlyMap<string, KindStrategy> = new Map<string, KindStrategy>([
  ['/Namespace', namespaceStrategy],
  ['/Pod', podStrategy],
  ['/Node', nodeStrategy],
  ['/Service', serviceStrategy],
  ['/Endpoints', endpointsStrategy],
  ['/ConfigMap', configMapStrategy],
  ['/Secret', secretStrategy],
  ['/ServiceAccount', serviceAccountStrategy],
  ['/Event', eventStrategy],
  ['/PersistentVolume', persistentVolumeStrategy],
  ['/PersistentVolumeClaim', persistentVolumeClaimStrategy],
  ['/ResourceQuota', resourceQuotaStrategy],
  ['/LimitRange', limitRangeStrategy],
  ['apps/Deployment', deploymentStrategy],
  ['apps/ReplicaSet', replicaSetStrategy],
  ['apps/StatefulSet', statefulSetStrategy],
  ['apps/DaemonSet', daemonSetStrategy],
  ['apps/ControllerRevision', controllerRevisionStrategy],
  ['batch/Job', jobStrategy],
  ['batch/CronJob', cronJobStrategy],
  ['autoscaling/HorizontalPodAutoscaler', hpaStrategy],
  ['coordination.k8s.io/Lease', leaseStrategy],
  ['discovery.k8s.io/EndpointSlice', endpointSliceStrategy],
  ['networking.k8s.io/NetworkPolicy', networkPolicyStrategy],
  ['networking.k8s.io/Ingress', ingressStrategy],
  ['networking.k8s.io/IngressClass', ingressClassStrategy],
  ['storage.k8s.io/StorageClass', storageClassStrategy],
  ['events.k8s.io/Event', eventsV1Strategy],
  ['policy/PodDisruptionBudget', podDisruptionBudgetStrategy],
  ['scheduling.k8s.io/PriorityClass', priorityClassStrategy],
  ['certificates.k8s.io/CertificateSigningRequest', certificateSigningRequestStrategy],
  ['rbac.authorization.k8s.io/Role', roleStrategy],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingStrategy],
  ['rbac.authorization.k8s.io/ClusterRole', clusterRoleStrategy],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', clusterRoleBindingStrategy],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', mutatingWebhookConfigurationStrategy],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', validatingWebhookConfigurationStrategy],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionStrategy],
  ['admissionregistration.k8s.io/ValidatingAdmissionPolicy', validatingAdmissionPolicyStrategy],
  ['admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding', validatingAdmissionPolicyBindingStrategy],
]);

const fallbacks = new Map<string, KindStrategy>();

/**
 * The strategy for a kind. Unknown kinds (custom resources...) get a generic strategy: NAME and
 * AGE columns and metadata validation; scope from `namespaced`, else RESOURCE_TYPES, else namespaced.
 * Never throws; the same object is returned for the same key.
 */
export function getStrategy(group: string, kind: string, namespaced?: boolean): KindStrategy {
  const key = `${group}/${kind}`;
  const known = KIND_STRATEGIES.get(key);
  if (known) return known;
  const custom = allResourceTypes().find((r) => r.custom && r.group === group && r.kind === kind);
  if (custom) return strategyOf(custom);
  const scoped = namespaced ?? allResourceTypes().find((r) => r.group === group && r.kind === kind)?.namespaced ?? true;
  const cacheKey = `${key}/${scoped}`;
  let fallback = fallbacks.get(cacheKey);
  if (!fallback) {
    fallback = genericStrategy(scoped);
    fallbacks.set(cacheKey, fallback);
  }
  return fallback;
}

/** The strategy of a served resource: a custom resource's version's own, else its kind's. Never throws. */
export function strategyOf(rt: ResourceType): KindStrategy {
  return (rt.custom && customStrategy(rt.group, rt.version, rt.kind)) || getStrategy(rt.group, rt.kind, rt.namespaced);
}

export { genericStrategy };
