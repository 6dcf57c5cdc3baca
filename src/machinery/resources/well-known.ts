import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type {
  ConfigMap,
  Endpoints,
  Event,
  LimitRange,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { ResourceRef } from '../client/resource-path.js';
import { servedResource } from './resource.js';

// The built-in resources components read and write, typed by their kubernetes-types interface:
// `client.get(PODS, ns, name)` returns a Pod and `informers.informerFor(NODES)` an Informer of
// Nodes, with no casts at the call site. Each is the registry's own ResourceType object.

// core/v1
export const NAMESPACES = servedResource<Namespace>('', 'v1', 'namespaces');
export const PODS = servedResource<Pod>('', 'v1', 'pods');
export const NODES = servedResource<Node>('', 'v1', 'nodes');
export const SERVICES = servedResource<Service>('', 'v1', 'services');
export const ENDPOINTS = servedResource<Endpoints>('', 'v1', 'endpoints');
export const CONFIG_MAPS = servedResource<ConfigMap>('', 'v1', 'configmaps');
export const SECRETS = servedResource<Secret>('', 'v1', 'secrets');
export const SERVICE_ACCOUNTS = servedResource<ServiceAccount>('', 'v1', 'serviceaccounts');
export const EVENTS = servedResource<Event>('', 'v1', 'events');
export const PVS = servedResource<PersistentVolume>('', 'v1', 'persistentvolumes');
export const PVCS = servedResource<PersistentVolumeClaim>('', 'v1', 'persistentvolumeclaims');
export const RESOURCE_QUOTAS = servedResource<ResourceQuota>('', 'v1', 'resourcequotas');
export const LIMIT_RANGES = servedResource<LimitRange>('', 'v1', 'limitranges');

// apps/v1
export const DEPLOYMENTS = servedResource<Deployment>('apps', 'v1', 'deployments');
export const REPLICASETS = servedResource<ReplicaSet>('apps', 'v1', 'replicasets');
export const STATEFULSETS = servedResource<StatefulSet>('apps', 'v1', 'statefulsets');
export const DAEMONSETS = servedResource<DaemonSet>('apps', 'v1', 'daemonsets');
export const CONTROLLER_REVISIONS = servedResource<ControllerRevision>('apps', 'v1', 'controllerrevisions');

// batch/v1
export const JOBS = servedResource<Job>('batch', 'v1', 'jobs');
export const CRONJOBS = servedResource<CronJob>('batch', 'v1', 'cronjobs');

// other groups
export const HPAS = servedResource<HorizontalPodAutoscaler>('autoscaling', 'v2', 'horizontalpodautoscalers');
export const LEASES = servedResource<Lease>('coordination.k8s.io', 'v1', 'leases');
export const ENDPOINT_SLICES = servedResource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices');
export const NETWORK_POLICIES = servedResource<NetworkPolicy>('networking.k8s.io', 'v1', 'networkpolicies');
export const INGRESSES = servedResource<Ingress>('networking.k8s.io', 'v1', 'ingresses');
export const INGRESS_CLASSES = servedResource<IngressClass>('networking.k8s.io', 'v1', 'ingressclasses');
export const STORAGE_CLASSES = servedResource<StorageClass>('storage.k8s.io', 'v1', 'storageclasses');
export const PDBS = servedResource<PodDisruptionBudget>('policy', 'v1', 'poddisruptionbudgets');
export const PRIORITY_CLASSES = servedResource<PriorityClass>('scheduling.k8s.io', 'v1', 'priorityclasses');
export const CSRS = servedResource<CertificateSigningRequest>(
  'certificates.k8s.io',
  'v1',
  'certificatesigningrequests',
);
export const ROLES = servedResource<Role>('rbac.authorization.k8s.io', 'v1', 'roles');
export const ROLE_BINDINGS = servedResource<RoleBinding>('rbac.authorization.k8s.io', 'v1', 'rolebindings');
export const CLUSTER_ROLES = servedResource<ClusterRole>('rbac.authorization.k8s.io', 'v1', 'clusterroles');
export const CLUSTER_ROLE_BINDINGS = servedResource<ClusterRoleBinding>(
  'rbac.authorization.k8s.io',
  'v1',
  'clusterrolebindings',
);

/**
 * One pod's path as a collection, so that `create(onePod(name), ns, binding, {subresource: 'binding'})`
 * posts to `pods/<name>/binding` (the client's create has no name argument). Untyped: what is
 * posted there is a Binding, not a Pod. Pure.
 */
export function onePod(name: string): ResourceRef {
  return { group: '', version: 'v1', plural: `pods/${encodeURIComponent(name)}`, namespaced: true };
}
