import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodReady, readySince } from './pod-state.js';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/**
 * Kubernetes' ActivePodsWithRanks.Less: negative when `a` should be deleted before `b`.
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 * 4. lower pod-deletion-cost < higher; 5. higher rank (more pods on the same node) first;
 * 6. ready for a shorter time first; 7. more container restarts first; 8. newer pods first. Pure.
 */
export function compareForDeletion(a: Pod, rankA: number, b: Pod, rankB: number): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if ((nodeA === '') !== (nodeB === '')) return nodeA === '' ? -1 : 1;
  const phaseA = PHASE_ORDER[a.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDER[b.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (rankA !== rankB) return rankB - rankA;
  if (readyA && readyB) {
    const sa = readySince(a);
    const sb = readySince(b);
    if (sa !== sb) {
      if (sa === undefined) return -1;
      if (sb === undefined) return 1;
      return sb - sa;
    }
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const createdA = a.metadata?.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : undefined;
  const createdB = b.metadata?.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : undefined;
  if (createdA !== createdB) {
    if (createdA === undefined) return -1;
    if (createdB === undefined) return 1;
    return createdB - createdA;
  }
  return 0;
}

/**
 * The `count` pods to delete first (getPodsToDelete): each pod is ranked by how many of the
 * `related` pods (the same owner's active pods, itself included) share its node, then sorted with
 * compareForDeletion. Stable for equal pods. Pure.
 */
export function podsToDelete<T extends Pod>(pods: T[], related: Pod[], count: number): T[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Pod) => (p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0);
  return pods
    .map((pod, i) => ({ pod, i, rank: rank(pod) }))
    .sort((x, y) => compareForDeletion(x.pod, x.rank, y.pod, y.rank) || x.i - y.i)
    .slice(0, count)
    .map((x) => x.pod);
}

function deletionCost(p: Pod): number {
  const v = Number(p.metadata?.annotations?.[DELETION_COST] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function maxRestarts(p: Pod): number {
  let max = 0;
  for (const c of p.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}
