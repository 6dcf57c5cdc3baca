/**
 * Kubernetes' patch and list metadata, which kubernetes-types does not carry. Transcribed from the
 * struct tags (`patchStrategy:"merge" patchMergeKey:"name"`) and markers (`+listType=map`,
 * `+listMapKey=...`, `+mapType=...`, `+structType=atomic`) of k8s.io/api (release 1.30) and
 * k8s.io/apimachinery meta/v1. The OpenAPI generator (scripts/gen-openapi.ts) copies these into
 * the definitions as x-kubernetes-* extensions; kubectl reads them to build strategic merge
 * patches, and server-side apply reads list types and keys. Lists not named here are atomic.
 */

/** Patch metadata of one property. */
export interface FieldPatchMeta {
  patchStrategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** patchStrategy=merge with a merge key, and listType=map keyed by the same field(s). */
function mergeMap(key: string, ...moreKeys: string[]): FieldPatchMeta {
  return { patchStrategy: 'merge', patchMergeKey: key, listType: 'map', listMapKeys: [key, ...moreKeys] };
}
const atomic: FieldPatchMeta = { listType: 'atomic' };
const set: FieldPatchMeta = { listType: 'set' };
const conditions = mergeMap('type');

/** Container and EphemeralContainer share these lists. */
const containerLists: Record<string, FieldPatchMeta> = {
  command: atomic,
  args: atomic,
  envFrom: atomic,
  resizePolicy: atomic,
  ports: mergeMap('containerPort', 'protocol'),
  env: mergeMap('name'),
  volumeMounts: mergeMap('mountPath'),
  volumeDevices: mergeMap('devicePath'),
};

/** (definition name) -> (property name) -> patch metadata. */
export const FIELD_PATCH_METADATA: Readonly<Record<string, Readonly<Record<string, FieldPatchMeta>>>> = {
  // meta/v1
  [`${META}ObjectMeta`]: {
    finalizers: { patchStrategy: 'merge', listType: 'set' },
    ownerReferences: mergeMap('uid'),
    managedFields: atomic,
  },
  [`${META}LabelSelector`]: { matchExpressions: atomic },
  [`${META}LabelSelectorRequirement`]: { values: atomic },
  [`${META}StatusDetails`]: { causes: atomic },
  [`${META}DeleteOptions`]: { dryRun: atomic },

  // core/v1: pods
  [`${CORE}PodSpec`]: {
    volumes: { ...mergeMap('name'), patchStrategy: 'merge,retainKeys' },
    initContainers: mergeMap('name'),
    containers: mergeMap('name'),
    ephemeralContainers: mergeMap('name'),
    nodeSelector: { mapType: 'atomic' },
    imagePullSecrets: mergeMap('name'),
    tolerations: atomic,
    hostAliases: mergeMap('ip'),
    readinessGates: atomic,
    topologySpreadConstraints: mergeMap('topologyKey', 'whenUnsatisfiable'),
    schedulingGates: mergeMap('name'),
    resourceClaims: { ...mergeMap('name'), patchStrategy: 'merge,retainKeys' },
  },
  [`${CORE}Container`]: containerLists,
  [`${CORE}EphemeralContainer`]: containerLists,
  [`${CORE}ResourceRequirements`]: { claims: { listType: 'map', listMapKeys: ['name'] } },
  [`${CORE}PodStatus`]: {
    conditions,
    hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
    podIPs: mergeMap('ip'),
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: { ...mergeMap('name'), patchStrategy: 'merge,retainKeys' },
  },
  [`${CORE}PodSecurityContext`]: { supplementalGroups: atomic, sysctls: atomic },
  [`${CORE}PodDNSConfig`]: { nameservers: atomic, searches: atomic, options: atomic },
  [`${CORE}HostAlias`]: { hostnames: atomic },
  [`${CORE}Capabilities`]: { add: atomic, drop: atomic },
  [`${CORE}ExecAction`]: { command: atomic },
  [`${CORE}HTTPGetAction`]: { httpHeaders: atomic },
  [`${CORE}NodeSelector`]: { nodeSelectorTerms: atomic },
  [`${CORE}NodeSelectorTerm`]: { matchExpressions: atomic, matchFields: atomic },
  [`${CORE}NodeSelectorRequirement`]: { values: atomic },
  [`${CORE}TopologySelectorTerm`]: { matchLabelExpressions: atomic },
  [`${CORE}TopologySelectorLabelRequirement`]: { values: atomic },
  [`${CORE}NodeAffinity`]: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [`${CORE}PodAffinity`]: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [`${CORE}PodAntiAffinity`]: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [`${CORE}PodAffinityTerm`]: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  [`${CORE}TopologySpreadConstraint`]: { matchLabelKeys: atomic },
  // core/v1: volumes
  [`${CORE}SecretVolumeSource`]: { items: atomic },
  [`${CORE}SecretProjection`]: { items: atomic },
  [`${CORE}ConfigMapVolumeSource`]: { items: atomic },
  [`${CORE}ConfigMapProjection`]: { items: atomic },
  [`${CORE}DownwardAPIVolumeSource`]: { items: atomic },
  [`${CORE}DownwardAPIProjection`]: { items: atomic },
  [`${CORE}ProjectedVolumeSource`]: { sources: atomic },
  [`${CORE}RBDVolumeSource`]: { monitors: atomic },
  [`${CORE}RBDPersistentVolumeSource`]: { monitors: atomic },
  [`${CORE}CephFSVolumeSource`]: { monitors: atomic },
  [`${CORE}CephFSPersistentVolumeSource`]: { monitors: atomic },
  [`${CORE}ISCSIVolumeSource`]: { portals: atomic },
  [`${CORE}ISCSIPersistentVolumeSource`]: { portals: atomic },
  [`${CORE}FCVolumeSource`]: { targetWWNs: atomic, wwids: atomic },
  // core/v1: other kinds
  [`${CORE}PersistentVolumeSpec`]: { accessModes: atomic, mountOptions: atomic, claimRef: { mapType: 'granular' } },
  [`${CORE}PersistentVolumeClaimSpec`]: { accessModes: atomic },
  [`${CORE}PersistentVolumeClaimStatus`]: {
    accessModes: atomic,
    conditions,
    allocatedResourceStatuses: { mapType: 'granular' },
  },
  [`${CORE}ServiceSpec`]: {
    ports: mergeMap('port', 'protocol'),
    selector: { mapType: 'atomic' },
    clusterIPs: atomic,
    externalIPs: atomic,
    loadBalancerSourceRanges: atomic,
    ipFamilies: atomic,
  },
  [`${CORE}ServiceStatus`]: { conditions },
  [`${CORE}LoadBalancerStatus`]: { ingress: atomic },
  [`${CORE}LoadBalancerIngress`]: { ports: atomic },
  [`${CORE}ServiceAccount`]: { secrets: mergeMap('name'), imagePullSecrets: atomic },
  [`${CORE}Endpoints`]: { subsets: atomic },
  [`${CORE}EndpointSubset`]: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [`${CORE}NodeSpec`]: { podCIDRs: { patchStrategy: 'merge', listType: 'set' }, taints: atomic },
  [`${CORE}NodeStatus`]: {
    conditions,
    addresses: mergeMap('type'),
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
  },
  [`${CORE}ContainerImage`]: { names: atomic },
  [`${CORE}NamespaceSpec`]: { finalizers: atomic },
  [`${CORE}NamespaceStatus`]: { conditions },
  [`${CORE}LimitRangeSpec`]: { limits: atomic },
  [`${CORE}ResourceQuotaSpec`]: { scopes: atomic },
  [`${CORE}ScopeSelector`]: { matchExpressions: atomic },
  [`${CORE}ScopedResourceSelectorRequirement`]: { values: atomic },

  // apps/v1
  'io.k8s.api.apps.v1.DeploymentSpec': { strategy: { patchStrategy: 'retainKeys' } },
  'io.k8s.api.apps.v1.DeploymentStatus': { conditions },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { conditions },
  'io.k8s.api.apps.v1.StatefulSetSpec': { volumeClaimTemplates: atomic },
  'io.k8s.api.apps.v1.StatefulSetStatus': { conditions },
  'io.k8s.api.apps.v1.DaemonSetStatus': { conditions },

  // batch/v1
  'io.k8s.api.batch.v1.JobStatus': {
    conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
  },
  'io.k8s.api.batch.v1.CronJobStatus': { active: atomic },
  'io.k8s.api.batch.v1.PodFailurePolicy': { rules: atomic },
  'io.k8s.api.batch.v1.PodFailurePolicyRule': { onPodConditions: atomic },
  'io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement': { values: set },
  'io.k8s.api.batch.v1.SuccessPolicy': { rules: atomic },

  // autoscaling
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec': { metrics: atomic },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': { currentMetrics: atomic, conditions },
  'io.k8s.api.autoscaling.v2.HPAScalingRules': { policies: atomic },

  // discovery, networking, storage, policy, rbac
  'io.k8s.api.discovery.v1.EndpointSlice': { endpoints: atomic, ports: atomic },
  'io.k8s.api.discovery.v1.Endpoint': { addresses: set },
  'io.k8s.api.discovery.v1.EndpointHints': { forZones: atomic },
  'io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration': { webhooks: mergeMap('name') },
  'io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration': { webhooks: mergeMap('name') },
  'io.k8s.api.networking.v1.NetworkPolicySpec': { ingress: atomic, egress: atomic, policyTypes: atomic },
  'io.k8s.api.networking.v1.NetworkPolicyIngressRule': { ports: atomic, from: atomic },
  'io.k8s.api.networking.v1.NetworkPolicyEgressRule': { ports: atomic, to: atomic },
  'io.k8s.api.networking.v1.IPBlock': { except: atomic },
  'io.k8s.api.networking.v1.IngressSpec': { tls: atomic, rules: atomic },
  'io.k8s.api.networking.v1.IngressTLS': { hosts: atomic },
  'io.k8s.api.networking.v1.HTTPIngressRuleValue': { paths: atomic },
  'io.k8s.api.networking.v1.IngressLoadBalancerStatus': { ingress: atomic },
  'io.k8s.api.networking.v1.IngressLoadBalancerIngress': { ports: atomic },
  'io.k8s.api.storage.v1.StorageClass': { mountOptions: atomic, allowedTopologies: atomic },
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { conditions },
  'io.k8s.api.rbac.v1.Role': { rules: atomic },
  'io.k8s.api.rbac.v1.ClusterRole': { rules: atomic },
  'io.k8s.api.rbac.v1.PolicyRule': {
    verbs: atomic,
    apiGroups: atomic,
    resources: atomic,
    resourceNames: atomic,
    nonResourceURLs: atomic,
  },
  'io.k8s.api.rbac.v1.RoleBinding': { subjects: atomic },
  'io.k8s.api.rbac.v1.ClusterRoleBinding': { subjects: atomic },
  'io.k8s.api.rbac.v1.AggregationRule': { clusterRoleSelectors: atomic },
};

/** Definitions marked `+structType=atomic`: x-kubernetes-map-type "atomic" on the definition itself. */
export const ATOMIC_STRUCTS: readonly string[] = [
  `${META}OwnerReference`,
  `${META}LabelSelector`,
  `${CORE}ObjectReference`,
  `${CORE}LocalObjectReference`,
  `${CORE}TypedLocalObjectReference`,
  `${CORE}SecretReference`,
  `${CORE}NodeSelector`,
  `${CORE}NodeSelectorTerm`,
  `${CORE}TopologySelectorTerm`,
  `${CORE}ObjectFieldSelector`,
  `${CORE}ResourceFieldSelector`,
  `${CORE}ConfigMapKeySelector`,
  `${CORE}SecretKeySelector`,
  `${CORE}EndpointAddress`,
  `${CORE}EndpointPort`,
  `${CORE}ScopeSelector`,
  'io.k8s.api.rbac.v1.RoleRef',
];
