import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/**
 * The status patch (merge patch of status.conditions) that records PodScheduled=False with
 * `reason`/`message`, or undefined when the pod already says exactly that (no write needed).
 * Other conditions are kept; lastTransitionTime changes only when the status flips. Pure.
 */
export function podScheduledFalsePatch(
  pod: Pod,
  reason: string,
  message: string,
  now: Date,
): { status: { conditions: PodCondition[] } } | undefined {
  const conditions = pod.status?.conditions ?? [];
  const current = conditions.find((c) => c.type === 'PodScheduled');
  if (current && current.status === 'False' && current.reason === reason && current.message === message)
    return undefined;
  const lastTransitionTime =
    current && current.status === 'False' && current.lastTransitionTime
      ? current.lastTransitionTime
      : now.toISOString().replace(/\.\d+Z$/, 'Z');
  const next: PodCondition = { type: 'PodScheduled', status: 'False', reason, message, lastTransitionTime };
  return { status: { conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), next] } };
}
