import type { PodCondition } from 'kubernetes-types/core/v1.js';

/**
 * kube's MarkPodsNotReady: when a node stops reporting, its pods' Ready condition turns False so
 * that EndpointSlices (and the proxies) stop sending traffic there at once, well before the pods
 * are evicted after their tolerationSeconds. Returns the pod's new conditions, or undefined when
 * Ready is absent or already not True (nothing to write). Pure.
 */
export function notReadyConditions(
  conditions: readonly PodCondition[] | undefined,
  nowIso: string,
): PodCondition[] | undefined {
  const ready = conditions?.find((c) => c.type === 'Ready');
  if (!conditions || ready?.status !== 'True') return undefined;
  return conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: nowIso } : c));
}
