import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** When a pod on a node with NoExecute taints must go: now, at a time (ms since epoch), or never. */
export type EvictionDecision = { at: 'now' } | { at: number } | { at: 'never' };

/** Whether a toleration matches a taint (key/operator/value and effect; empty effect matches all). Pure. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/**
 * The taint eviction rule of Kubernetes' NoExecuteTaintManager: a pod that does not tolerate
 * every NoExecute taint goes now; otherwise it may stay for the smallest tolerationSeconds among
 * the tolerations used (unset = forever, negative = 0), counted from the latest timeAdded of
 * those taints (so a fresh taint restarts the clock). `nowMs` is used for taints without
 * timeAdded. Pure.
 */
export function evictionTime(
  tolerations: readonly Toleration[] | undefined,
  taints: readonly Taint[],
  nowMs: number,
): EvictionDecision {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { at: 'never' };
  let minSeconds = Infinity;
  let since = 0;
  for (const taint of noExecute) {
    const used = (tolerations ?? []).filter((t) => tolerates(t, taint));
    if (used.length === 0) return { at: 'now' };
    for (const t of used)
      if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null)
        minSeconds = Math.min(minSeconds, Math.max(0, t.tolerationSeconds));
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : nowMs;
    since = Math.max(since, Number.isNaN(added) ? nowMs : added);
  }
  if (minSeconds === Infinity) return { at: 'never' };
  return { at: since + minSeconds * 1000 };
}
