import type { NodeCondition, Taint } from 'kubernetes-types/core/v1.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';

/** The Ready condition's status as the lifecycle controller reads it ('Unknown' when absent). Pure. */
export function readyStatus(conditions: readonly NodeCondition[] | undefined): 'True' | 'False' | 'Unknown' {
  const s = conditions?.find((c) => c.type === 'Ready')?.status;
  return s === 'True' || s === 'False' ? s : 'Unknown';
}

/**
 * The node's taints for a Ready status: Unknown -> unreachable NoSchedule + NoExecute, False ->
 * not-ready NoSchedule + NoExecute, True -> neither. Other taints are kept as they are; a taint
 * already present keeps its timeAdded; new NoExecute taints get timeAdded = now. Returns
 * undefined when nothing changes. Pure.
 */
export function reconcileTaints(
  current: readonly Taint[] | undefined,
  ready: 'True' | 'False' | 'Unknown',
  now: string,
): Taint[] | undefined {
  const have = current ?? [];
  const key = ready === 'Unknown' ? TAINT_UNREACHABLE : ready === 'False' ? TAINT_NOT_READY : undefined;
  const others = have.filter((t) => t.key !== TAINT_UNREACHABLE && t.key !== TAINT_NOT_READY);
  const wanted: Taint[] = [];
  if (key) {
    for (const effect of ['NoSchedule', 'NoExecute'] as const) {
      const existing = have.find((t) => t.key === key && t.effect === effect);
      wanted.push(existing ?? (effect === 'NoExecute' ? { key, effect, timeAdded: now } : { key, effect }));
    }
  }
  const next = [...others, ...wanted];
  const same =
    next.length === have.length && next.every((t) => have.some((h) => h.key === t.key && h.effect === t.effect));
  return same ? undefined : next;
}
