import type { KindStrategy } from './kind-strategy.js';
import type { ResourceType } from './resource-type.js';

function rt(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: {
    shortNames?: string[];
    categories?: string[];
    subresources?: string[];
    storageApiVersion?: string;
    storagePrefix?: string;
  } = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    subresources: extra.subresources ?? [],
    storagePrefix: extra.storagePrefix ?? `/registry/${group || 'core'}/${plural}/`,
    storageApiVersion: extra.storageApiVersion ?? (group ? `${group}/${version}` : version),
  };
}

const all = ['all'];

/** Every resource the API server serves, in discovery order (the first version of a group is preferred). */
export const RESOURCE_TYPES: ResourceType[] = [
  rt('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  rt('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: all,
    subresources: [
      'status',
      'binding',
      'eviction',
      'log',
      'exec',
      'attach',
      'portforward',
      'proxy',
      'ephemeralcontainers',
    ],
  }),
  rt('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status', 'proxy'] }),
  rt('', 'v1', 'Service', 'services', true, {
    shortNames: ['svc'],
    categories: all,
    subresources: ['status', 'proxy'],
  }),
  rt('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'] }),
  rt('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  rt('', 'v1', 'Secret', 'secrets', true),
  rt('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  rt('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  rt('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  rt('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, {
    shortNames: ['pvc'],
    subresources: ['status'],
  }),
  rt('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'] }),
  rt('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  rt('apps', 'v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'],
    categories: all,
    subresources: ['status', 'scale'],
  }),
  rt('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'],
    categories: all,
    subresources: ['status', 'scale'],
  }),
  rt('apps', 'v1', 'StatefulSet', 'statefulsets', true, {
    shortNames: ['sts'],
    categories: all,
    subresources: ['status', 'scale'],
  }),
  rt('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: all, subresources: ['status'] }),
  rt('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  rt('batch', 'v1', 'Job', 'jobs', true, { categories: all, subresources: ['status'] }),
  rt('batch', 'v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: all, subresources: ['status'] }),
  rt('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: all,
    subresources: ['status'],
    storageApiVersion: 'autoscaling/v2',
  }),
  rt('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: all,
    subresources: ['status'],
    storageApiVersion: 'autoscaling/v2',
  }),
  rt('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  rt('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  rt('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  rt('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { shortNames: ['ing'], subresources: ['status'] }),
  rt('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
  rt('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  rt('events.k8s.io', 'v1', 'Event', 'events', true, {
    shortNames: ['ev'],
    storageApiVersion: 'v1',
    storagePrefix: '/registry/core/events/',
  }),
  rt('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, {
    shortNames: ['pdb'],
    subresources: ['status'],
  }),
  rt('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
  rt('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, {
    shortNames: ['csr'],
    subresources: ['status', 'approval'],
  }),
  rt('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  rt('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  rt('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  rt('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  rt('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  rt('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, {
    categories: ['api-extensions'],
  }),
  rt('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, {
    categories: ['api-extensions'],
  }),
  rt('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false, {
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  rt(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingAdmissionPolicyBinding',
    'validatingadmissionpolicybindings',
    false,
    {
      categories: ['api-extensions'],
    },
  ),
];

/** One served version of a custom resource: its descriptor and its strategy. */
export interface CustomResourceEntry {
  rt: ResourceType;
  strategy: KindStrategy;
}

/**
 * The resources CustomResourceDefinitions serve, by CRD name. Process-wide: the API server's CRD
 * registrar fills it from the watch cache, and everything that asks findResourceType, getStrategy
 * or allResourceTypes in this process (REST, discovery, controllers) sees the same table.
 */
const customByCrd = new Map<string, CustomResourceEntry[]>();
let customTypes: ResourceType[] = [];
let allTypes: ResourceType[] = RESOURCE_TYPES;
const customStrategies = new Map<string, KindStrategy>();
const listeners = new Set<() => void>();

/**
 * Registers (or replaces) what the CRD `crdName` serves; an empty list unregisters it. Listeners
 * (discovery) are told after the change. Idempotent for the same entries.
 */
export function setCustomResources(crdName: string, entries: CustomResourceEntry[]): void {
  if (entries.length === 0 && !customByCrd.has(crdName)) return;
  if (entries.length === 0) customByCrd.delete(crdName);
  else customByCrd.set(crdName, entries);
  customTypes = [...customByCrd.values()].flat().map((e) => e.rt);
  allTypes = [...RESOURCE_TYPES, ...customTypes];
  customStrategies.clear();
  for (const e of [...customByCrd.values()].flat())
    customStrategies.set(`${e.rt.group}/${e.rt.version}/${e.rt.kind}`, e.strategy);
  for (const l of listeners) l();
}

/** Built-in resources then custom ones (the array is replaced, never mutated, on each change). */
export function allResourceTypes(): ResourceType[] {
  return allTypes;
}

/** The strategy of a custom resource's version, or undefined for built-in kinds. */
export function customStrategy(group: string, version: string, kind: string): KindStrategy | undefined {
  return customStrategies.get(`${group}/${version}/${kind}`);
}

/** Calls `listener` after every change of the custom resources; returns the unsubscribe function. */
export function onResourceTypesChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return allTypes.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findResourceTypeByKind(group: string, version: string, kind: string): ResourceType | undefined {
  return allTypes.find((r) => r.group === group && r.version === version && r.kind === kind);
}
