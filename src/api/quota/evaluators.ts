/**
 * What an object costs in quota, per resource (Kubernetes' quota evaluators,
 * pkg/quota/v1/evaluator/core and apiserver's generic object count evaluator):
 *
 *   pods                    count/pods always; pods, cpu, memory, ephemeral-storage, requests.*,
 *                           limits.*, hugepages and extended `requests.<name>` while not terminal
 *   services                count/services, services, services.loadbalancers, services.nodeports
 *   persistentvolumeclaims  count/..., persistentvolumeclaims, requests.storage and per StorageClass
 *                           `<class>.storageclass.storage.k8s.io/{requests.storage,persistentvolumeclaims}`
 *   any other resource      count/<resource>[.<group>] (and the legacy name of core ones: configmaps, ...)
 *
 * Scopes (Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass,
 * CrossNamespacePodAffinity) select pods only: a scoped quota matches no other object.
 */
import type { Container, PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../object.js';
import { podQOSClass } from '../kinds/pod-qos.js';
import { countQuantity } from './quantity.js';
import { add, parseResourceList, type ResourceList } from './resource-list.js';

/** A quota scope test as spec.scopes (operator Exists) and spec.scopeSelector give them. */
export interface ScopeSelector {
  scopeName: string;
  operator: string;
  values?: string[];
}

export type QuotaOperation = 'create' | 'update';

/** How one resource is measured for quota. Pure functions of the object (and of now, for pods). */
export interface QuotaEvaluator {
  group: string;
  resource: string;
  /** Whether an admission of this operation can change usage. */
  handles(operation: QuotaOperation): boolean;
  /** The names among `names` (a quota's hard names) this resource's usage counts toward. */
  matchingResources(names: readonly string[]): string[];
  /** Whether the object is in the scope the selector names (false for every non-pod). */
  matchesScope(selector: ScopeSelector, obj: KubeObject): boolean;
  /** The object's usage. `now` (ms) decides whether a deleted pod's grace period has run out. */
  usage(obj: KubeObject, now: number): ResourceList;
  /** A reason to refuse the object under a quota that limits `required`, or undefined. */
  constraints?(required: readonly string[], obj: KubeObject): string | undefined;
}

/** The object count resource name of a resource: `count/pods`, `count/deployments.apps`. */
export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** Core resources that also have a legacy count name (the resource's own name). */
const LEGACY_COUNTS = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
]);

/** The generic evaluator: one object counts 1 toward count/<resource> (and the legacy name), on create. */
export function objectCountEvaluator(group: string, resource: string): QuotaEvaluator {
  const names = [objectCountName(group, resource)];
  if (group === '' && LEGACY_COUNTS.has(resource)) names.push(resource);
  return {
    group,
    resource,
    handles: (op) => op === 'create',
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    matchesScope: () => false,
    usage: () => Object.fromEntries(names.map((n) => [n, countQuantity(1)])),
  };
}

// ---- pods ----

const POD_RESOURCES = [
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
/** Quota'd compute names a pod's containers must each request explicitly (Kubernetes keeps this for compatibility). */
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** A resource name without a domain, or in a kubernetes.io domain (helper.IsNativeResource). */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** An extended resource a container may request (`example.com/gpu`), charged as `requests.<name>`. */
function isExtendedResource(name: string): boolean {
  return !isNativeResource(name) && !name.startsWith('requests.');
}

/** The compute usage of one container's (or a pod's summed) requests and limits (podComputeUsageHelper). */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: countQuantity(1) };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (r in requests) {
      out[r] = requests[r];
      out[`requests.${r}`] = requests[r];
    }
    if (r in limits) out[`limits.${r}`] = limits[r];
  }
  for (const [name, q] of Object.entries(requests)) {
    if (name.startsWith('hugepages-')) {
      out[name] = q;
      out[`requests.${name}`] = q;
    }
    if (isExtendedResource(name)) out[`requests.${name}`] = q;
  }
  return out;
}

function maxList(a: ResourceList, b: ResourceList): ResourceList {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) if (!(k in out) || v.nano > out[k].nano) out[k] = v;
  return out;
}

/**
 * A pod's effective requests (or limits) as resourcehelper.PodRequests sums them: the regular
 * containers and restartable init containers (sidecars) add up; each other init container counts
 * with the sidecars started before it; the pod needs the larger of the two; overhead on top
 * unless `withOverhead` is false (LimitRanger's Pod limits leave it out).
 */
export function podResourceSum(spec: Pod['spec'], which: 'requests' | 'limits', withOverhead = true): ResourceList {
  const of = (c: Container) => parseResourceList(c.resources?.[which]);
  let total: ResourceList = {};
  for (const c of spec?.containers ?? []) total = add(total, of(c));
  let sidecars: ResourceList = {};
  let init: ResourceList = {};
  for (const c of spec?.initContainers ?? []) {
    let needs = of(c);
    if (c.restartPolicy === 'Always') {
      total = add(total, needs);
      sidecars = add(sidecars, needs);
      needs = sidecars;
    } else needs = add(needs, sidecars);
    init = maxList(init, needs);
  }
  total = maxList(total, init);
  if (withOverhead && spec?.overhead) total = add(total, parseResourceList(spec.overhead));
  return total;
}

/**
 * Whether a pod still uses compute quota (QuotaV1Pod): not when Failed or Succeeded, nor once its
 * deletion's grace period has run out (a pod stuck terminating on a lost node).
 */
export function podChargesCompute(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const m = pod.metadata;
  if (m?.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined) {
    const end = Date.parse(m.deletionTimestamp) + m.deletionGracePeriodSeconds * 1000;
    if (now > end) return false;
  }
  return true;
}

/** A pod's quota usage (PodUsageFunc). Pure. */
export function podUsage(pod: Pod, now: number): ResourceList {
  const result: ResourceList = { 'count/pods': countQuantity(1) };
  if (!podChargesCompute(pod, now)) return result;
  return add(result, computeUsage(podResourceSum(pod.spec, 'requests'), podResourceSum(pod.spec, 'limits')));
}

function usesCrossNamespaceAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  const terms = [
    ...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  return terms.some((t) => (t.namespaces?.length ?? 0) > 0 || t.namespaceSelector !== undefined);
}

/** A scope selector over the one "label" a pod has for quota: PriorityClass=<its class>. */
function selectorMatches(sel: ScopeSelector, value: string | undefined): boolean {
  const has = value !== undefined && value !== '';
  switch (sel.operator) {
    case 'In':
      return has && (sel.values ?? []).includes(value);
    case 'NotIn':
      return !has || !(sel.values ?? []).includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** Whether a pod is in a quota scope (podMatchesScopeFunc). Pure. */
export function podMatchesScope(sel: ScopeSelector, pod: Pod): boolean {
  switch (sel.scopeName) {
    case 'Terminating':
      return (pod.spec?.activeDeadlineSeconds ?? -1) >= 0;
    case 'NotTerminating':
      return !((pod.spec?.activeDeadlineSeconds ?? -1) >= 0);
    case 'BestEffort':
      return podQOSClass(pod.spec ?? { containers: [] }) === 'BestEffort';
    case 'NotBestEffort':
      return podQOSClass(pod.spec ?? { containers: [] }) !== 'BestEffort';
    case 'PriorityClass':
      return selectorMatches(sel, pod.spec?.priorityClassName);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespaceAffinity(pod);
    default:
      return false;
  }
}

/**
 * Containers that do not request a quota'd cpu or memory resource (podEvaluator.Constraints):
 * `must specify limits.cpu for: a,b; requests.memory for: a`, or undefined when all do.
 */
export function podConstraints(required: readonly string[], pod: Pod): string | undefined {
  const need = required.filter((r) => VALIDATION_SET.includes(r));
  if (need.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const has = computeUsage(parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits));
    for (const r of need) {
      if (r in has) continue;
      let names = missing.get(r);
      if (!names) missing.set(r, (names = new Set()));
      names.add(c.name);
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

export const podEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'pods',
  handles: (op) => op === 'create',
  matchingResources: (input) =>
    input.filter(
      (n) =>
        POD_RESOURCES.includes(n) ||
        n.startsWith('hugepages-') ||
        n.startsWith('requests.hugepages-') ||
        (!isNativeResource(n) && n.startsWith('requests.')),
    ),
  matchesScope: (sel, obj) => podMatchesScope(sel, obj as Pod),
  usage: (obj, now) => podUsage(obj as Pod, now),
  constraints: (required, obj) => podConstraints(required, obj as Pod),
};

// ---- services ----

const SERVICE_RESOURCES = ['count/services', 'services', 'services.loadbalancers', 'services.nodeports'];

/** A Service's quota usage (serviceEvaluator.Usage). Pure. */
export function serviceUsage(svc: Service): ResourceList {
  const out: ResourceList = { 'count/services': countQuantity(1), services: countQuantity(1) };
  const ports = svc.spec?.ports ?? [];
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type === 'NodePort') out['services.nodeports'] = countQuantity(ports.length);
  if (type === 'LoadBalancer') {
    const allocate = svc.spec?.allocateLoadBalancerNodePorts !== false;
    out['services.nodeports'] = countQuantity(allocate ? ports.length : ports.filter((p) => p.nodePort).length);
    out['services.loadbalancers'] = countQuantity(1);
  }
  return out;
}

export const serviceEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'services',
  handles: () => true,
  matchingResources: (input) => input.filter((n) => SERVICE_RESOURCES.includes(n)),
  matchesScope: () => false,
  usage: (obj) => serviceUsage(obj as Service),
};

// ---- persistentvolumeclaims ----

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['count/persistentvolumeclaims', 'persistentvolumeclaims', 'requests.storage'];
const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

/** A claim's quota usage (pvcEvaluator.Usage): the larger of its request and what was allocated. Pure. */
export function pvcUsage(pvc: PersistentVolumeClaim): ResourceList {
  const out: ResourceList = {
    'count/persistentvolumeclaims': countQuantity(1),
    persistentvolumeclaims: countQuantity(1),
  };
  const cls = pvc.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? pvc.spec?.storageClassName ?? '';
  if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = countQuantity(1);
  const requested = parseResourceList(pvc.spec?.resources?.requests).storage;
  const allocated = parseResourceList(pvc.status?.allocatedResources as Record<string, string> | undefined).storage;
  const storage = requested && allocated && allocated.nano > requested.nano ? allocated : requested;
  if (storage) {
    out['requests.storage'] = storage;
    if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = storage;
  }
  return out;
}

export const pvcEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'persistentvolumeclaims',
  handles: () => true,
  matchingResources: (input) =>
    input.filter(
      (n) =>
        PVC_RESOURCES.includes(n) ||
        (n.includes(STORAGE_CLASS_SUFFIX) &&
          (n.endsWith('/requests.storage') || n.endsWith('/persistentvolumeclaims'))),
    ),
  matchesScope: () => false,
  usage: (obj) => pvcUsage(obj as PersistentVolumeClaim),
};

// ---- registry ----

const SPECIFIC: Record<string, QuotaEvaluator> = {
  pods: podEvaluator,
  services: serviceEvaluator,
  persistentvolumeclaims: pvcEvaluator,
};

/** The evaluator of a resource: pods, services and claims have their own, every other resource counts objects. */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator {
  return (group === '' && SPECIFIC[resource]) || objectCountEvaluator(group, resource);
}

/**
 * The resources whose objects a quota with these hard names counts: pods, services and claims
 * when one of their names is limited, and each `count/<resource>[.<group>]` or legacy count name.
 */
export function resourcesLimitedBy(names: readonly string[]): { group: string; resource: string }[] {
  const out = new Map<string, { group: string; resource: string }>();
  for (const e of Object.values(SPECIFIC))
    if (e.matchingResources(names).length > 0) out.set(`${e.resource}.`, { group: '', resource: e.resource });
  for (const n of names) {
    let group = '';
    let resource = '';
    if (n.startsWith('count/')) {
      const rest = n.slice('count/'.length);
      const dot = rest.indexOf('.');
      resource = dot < 0 ? rest : rest.slice(0, dot);
      group = dot < 0 ? '' : rest.slice(dot + 1);
    } else if (LEGACY_COUNTS.has(n)) resource = n;
    else continue;
    out.set(`${resource}.${group}`, { group, resource });
  }
  return [...out.values()];
}

/** A quota's scope tests: each of spec.scopes (Exists) then scopeSelector's expressions. */
export function scopeSelectorsOf(quota: ResourceQuota): ScopeSelector[] {
  const out: ScopeSelector[] = (quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' }));
  for (const e of quota.spec?.scopeSelector?.matchExpressions ?? [])
    out.push({ scopeName: e.scopeName, operator: e.operator, values: e.values });
  return out;
}

/**
 * Whether a quota applies to an object (generic.Matches): its status.hard names something the
 * object's resource counts toward, and the object is in every scope of the quota.
 */
export function quotaMatches(quota: ResourceQuota, evaluator: QuotaEvaluator, obj: KubeObject): boolean {
  if (evaluator.matchingResources(Object.keys(quota.status?.hard ?? {})).length === 0) return false;
  return scopeSelectorsOf(quota).every((s) => evaluator.matchesScope(s, obj));
}
