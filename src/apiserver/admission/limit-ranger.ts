import type { LimitRange, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { errors } from '../../api/errors.js';
import { podStrategy } from '../../api/kinds/pod.js';
import type { KubeObject } from '../../api/object.js';
import {
  aggregateMessage,
  applyLimitRangeDefaults,
  podLimitViolations,
  pvcLimitViolations,
  admissionForbidden,
} from '../../api/quota/index.js';
import type { ResourceType } from '../../api/resource-type.js';
import { findResourceType } from '../../api/resource-types.js';
import type { WatchCache } from '../watch-cache.js';
import type { AdmissionOperation, AdmissionPlugin } from './plugin.js';

const LIMIT_RANGES = findResourceType('', 'v1', 'limitranges');

/** The namespace's LimitRanges from the watch cache, in name order. */
function limitRangesOf(cache: WatchCache, namespace: string): LimitRange[] {
  if (!LIMIT_RANGES) return [];
  return cache.list(LIMIT_RANGES.storagePrefix, namespace).map((o) => o.object() as LimitRange);
}

const isPod = (rt: ResourceType) => rt.group === '' && rt.plural === 'pods';
const isClaim = (rt: ResourceType) => rt.group === '' && rt.plural === 'persistentvolumeclaims';

/** Whether any LimitRange exists at all: without one both plugins step aside (and pod creates stay with the write workers). */
function anyLimitRange(cache: WatchCache | undefined): cache is WatchCache {
  return cache !== undefined && LIMIT_RANGES !== undefined && cache.count(LIMIT_RANGES.storagePrefix) > 0;
}

/** Pods are checked on create only (their containers' resources cannot change), claims on create and update. */
function limited(rt: ResourceType, operation: AdmissionOperation): boolean {
  return (isPod(rt) && operation === 'create') || (isClaim(rt) && operation !== 'delete');
}

/** `pods "web"`: how Kubernetes' admission errors name the object (its generateName when it has no name yet). */
export function admissionSubject(rt: ResourceType, obj: KubeObject): string {
  const name = obj.metadata.name || obj.metadata.generateName || 'Unknown';
  return `${rt.plural}${rt.group ? `.${rt.group}` : ''} "${name}"`;
}

/**
 * Kubernetes' LimitRanger, mutating half: a new pod's containers get the Container defaults of
 * every LimitRange in the namespace (default limits, defaultRequest requests) and the
 * kubernetes.io/limit-ranger annotation. Kubernetes validates a pod after mutating admission; here
 * validation ran before admission, so a pod the defaults changed is validated again (a default
 * limit below the container's own request is the same 422 as in Kubernetes).
 */
export function limitRangerMutating(cache: WatchCache | undefined): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    kind: 'mutating',
    pure: false,
    handles: (rt, operation) => isPod(rt) && operation === 'create' && anyLimitRange(cache),
    admit(_operation, rt, obj) {
      if (!anyLimitRange(cache)) return;
      const pod = obj as KubeObject & Pod;
      const before = pod.metadata.annotations?.['kubernetes.io/limit-ranger'];
      for (const lr of limitRangesOf(cache, obj.metadata.namespace ?? '')) applyLimitRangeDefaults(lr, pod);
      if (pod.metadata.annotations?.['kubernetes.io/limit-ranger'] === before) return;
      const problems = podStrategy.validate?.(obj) ?? [];
      if (problems.length > 0) throw errors.invalid(rt.kind, obj.metadata.name ?? '', problems, rt.group);
    },
  };
}

/**
 * Kubernetes' LimitRanger, validating half: min, max and maxLimitRequestRatio of Container and Pod
 * items for new pods, min and max of PersistentVolumeClaim items for claims. The first LimitRange
 * a pod violates answers 403 with all of that LimitRange's messages.
 */
export function limitRangerValidating(cache: WatchCache | undefined): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    kind: 'validating',
    pure: false,
    handles: (rt, operation) => limited(rt, operation) && anyLimitRange(cache),
    admit(_operation, rt, obj, old, request) {
      if (!anyLimitRange(cache) || (request?.subresource ?? '') !== '') return;
      if (old?.metadata.deletionTimestamp) return;
      for (const lr of limitRangesOf(cache, obj.metadata.namespace ?? '')) {
        const messages = isPod(rt)
          ? podLimitViolations(lr, obj as KubeObject & Pod)
          : pvcLimitViolations(lr, obj as KubeObject & PersistentVolumeClaim);
        if (messages.length > 0) throw admissionForbidden(admissionSubject(rt, obj), aggregateMessage(messages));
      }
    },
  };
}
