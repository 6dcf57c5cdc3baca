/**
 * Kubernetes' LimitRanger (plugin/pkg/admission/limitranger) as pure functions of a namespace's
 * LimitRanges and the object:
 *
 *   mutate   a Container item's default -> each container's missing limits, defaultRequest ->
 *            missing requests, and the annotation kubernetes.io/limit-ranger saying what was set
 *   validate Container and Pod items: min, max, maxLimitRequestRatio; PersistentVolumeClaim
 *            items: min and max of spec.resources.requests
 *
 * Messages are Kubernetes' own (`maximum cpu usage per Container is 1, but limit is 2`).
 */
import type { Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { podResourceSum } from './evaluators.js';
import { formatQuantity, milliValue, parseExact } from './quantity.js';
import { parseResourceList, type ResourceList } from './resource-list.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Quantities = Record<string, string>;

/** A LimitRange's container defaults: later Container items override earlier ones (defaultContainerResourceRequirements). */
function containerDefaults(lr: LimitRange): { requests: Quantities; limits: Quantities } {
  const requests: Quantities = {};
  const limits: Quantities = {};
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  return { requests, limits };
}

/** Sets one container's missing requests and limits; returns the annotation parts for it. */
function mergeContainer(c: Container, defaults: { requests: Quantities; limits: Quantities }, label: string): string[] {
  const resources = (c.resources ??= {});
  const limits = (resources.limits ??= {});
  const requests = (resources.requests ??= {});
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(defaults.limits))
    if (!(k in limits)) {
      limits[k] = v;
      setLimits.push(k);
    }
  for (const [k, v] of Object.entries(defaults.requests))
    if (!(k in requests)) {
      requests[k] = v;
      setRequests.push(k);
    }
  const out: string[] = [];
  if (setRequests.length > 0) out.push(`${setRequests.sort().join(', ')} request for ${label} ${c.name}`);
  if (setLimits.length > 0) out.push(`${setLimits.sort().join(', ')} limit for ${label} ${c.name}`);
  return out;
}

/**
 * Applies one LimitRange's container defaults to a new pod (PodMutateLimitFunc): mutates the pod
 * and, when something was set, writes the `kubernetes.io/limit-ranger` annotation
 * (`LimitRanger plugin set: cpu request for container app; cpu limit for container app`).
 */
export function applyLimitRangeDefaults(lr: LimitRange, pod: Pod): void {
  const defaults = containerDefaults(lr);
  const notes: string[] = [];
  for (const c of pod.spec?.containers ?? []) notes.push(...mergeContainer(c, defaults, 'container'));
  for (const c of pod.spec?.initContainers ?? []) notes.push(...mergeContainer(c, defaults, 'init container'));
  if (notes.length === 0) return;
  const m = pod.metadata ?? {};
  pod.metadata = m;
  m.annotations = {
    ...(m.annotations ?? {}),
    [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}`,
  };
}

function text(list: ResourceList, name: string): string {
  return formatQuantity(list[name]);
}

function minConstraint(
  type: string,
  name: string,
  enforcedText: string,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const enforced = parseExact(enforcedText);
  if (!enforced) return undefined;
  const e = formatQuantity(enforced);
  if (!(name in request)) return `minimum ${name} usage per ${type} is ${e}.  No request is specified`;
  if (milliValue(request[name]) < milliValue(enforced))
    return `minimum ${name} usage per ${type} is ${e}, but request is ${text(request, name)}`;
  if (name in limit && milliValue(limit[name]) < milliValue(enforced))
    return `minimum ${name} usage per ${type} is ${e}, but limit is ${text(limit, name)}`;
  return undefined;
}

function maxConstraint(
  type: string,
  name: string,
  enforcedText: string,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const enforced = parseExact(enforcedText);
  if (!enforced) return undefined;
  const e = formatQuantity(enforced);
  if (!(name in limit)) return `maximum ${name} usage per ${type} is ${e}.  No limit is specified`;
  if (milliValue(limit[name]) > milliValue(enforced))
    return `maximum ${name} usage per ${type} is ${e}, but limit is ${text(limit, name)}`;
  if (name in request && milliValue(request[name]) > milliValue(enforced))
    return `maximum ${name} usage per ${type} is ${e}, but request is ${text(request, name)}`;
  return undefined;
}

/** Max of a claim's request (claims have no limits). */
function maxRequestConstraint(
  type: string,
  name: string,
  enforcedText: string,
  request: ResourceList,
): string | undefined {
  const enforced = parseExact(enforcedText);
  if (!enforced) return undefined;
  const e = formatQuantity(enforced);
  if (!(name in request)) return `maximum ${name} usage per ${type} is ${e}.  No request is specified`;
  if (milliValue(request[name]) > milliValue(enforced))
    return `maximum ${name} usage per ${type} is ${e}, but request is ${text(request, name)}`;
  return undefined;
}

function ratioConstraint(
  type: string,
  name: string,
  enforcedText: string,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const enforced = parseExact(enforcedText);
  if (!enforced) return undefined;
  const e = formatQuantity(enforced);
  const req = name in request ? milliValue(request[name]) : 0;
  const lim = name in limit ? milliValue(limit[name]) : 0;
  if (req === 0)
    return `${name} max limit to request ratio per ${type} is ${e}, but no request is specified or request is 0`;
  if (lim === 0)
    return `${name} max limit to request ratio per ${type} is ${e}, but no limit is specified or limit is 0`;
  const ratio = lim / req;
  if (ratio * 1000 > milliValue(enforced))
    return `${name} max limit to request ratio per ${type} is ${e}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(item: LimitRangeItem, request: ResourceList, limit: ResourceList): string[] {
  const out: (string | undefined)[] = [];
  for (const [k, v] of Object.entries(item.min ?? {})) out.push(minConstraint(item.type, k, v, request, limit));
  for (const [k, v] of Object.entries(item.max ?? {})) out.push(maxConstraint(item.type, k, v, request, limit));
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {}))
    out.push(ratioConstraint(item.type, k, v, request, limit));
  return out.filter((m): m is string => m !== undefined);
}

/** A pod's violations of one LimitRange's Container and Pod items (PodValidateLimitFunc), in Kubernetes' order. */
export function podLimitViolations(lr: LimitRange, pod: Pod): string[] {
  const out: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])])
        out.push(...checkItem(item, parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits)));
    } else if (item.type === 'Pod') {
      out.push(
        ...checkItem(item, podResourceSum(pod.spec, 'requests', false), podResourceSum(pod.spec, 'limits', false)),
      );
    }
  }
  return out;
}

/** A claim's violations of one LimitRange's PersistentVolumeClaim items (min and max of its requests). */
export function pvcLimitViolations(lr: LimitRange, pvc: PersistentVolumeClaim): string[] {
  const out: (string | undefined)[] = [];
  const requests = parseResourceList(pvc.spec?.resources?.requests);
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of Object.entries(item.min ?? {})) out.push(minConstraint(item.type, k, v, requests, {}));
    for (const [k, v] of Object.entries(item.max ?? {})) out.push(maxRequestConstraint(item.type, k, v, requests));
  }
  return out.filter((m): m is string => m !== undefined);
}

/** Several messages as Kubernetes' error aggregate prints them: one as it is, more as `[a, b]`. */
export function aggregateMessage(messages: readonly string[]): string {
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

/**
 * SetDefaults_LimitRangeItem for Container items: a missing default limit is the max, a missing
 * default request is the default limit, else the min. Mutates the LimitRange.
 */
export function defaultLimitRange(lr: LimitRange): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    const def = (item.default ??= {});
    const defReq = (item.defaultRequest ??= {});
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in defReq)) defReq[k] = v;
  }
}
