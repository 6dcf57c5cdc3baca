import type { HorizontalPodAutoscalerCondition } from 'kubernetes-types/autoscaling/v2.js';

export type HpaConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

/**
 * Sets a condition as Kubernetes' setConditionInList: lastTransitionTime changes only when the
 * status does; reason and message are replaced. Mutates and returns the list.
 */
export function setCondition(
  list: HorizontalPodAutoscalerCondition[],
  type: HpaConditionType,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: string,
): HorizontalPodAutoscalerCondition[] {
  const c = list.find((x) => x.type === type);
  if (!c) {
    list.push({ type, status, lastTransitionTime: now, reason, message });
    return list;
  }
  if (c.status !== status) c.lastTransitionTime = now;
  c.status = status;
  c.reason = reason;
  c.message = message;
  return list;
}
