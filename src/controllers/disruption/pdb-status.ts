import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { scaledValue } from '../deployment/rollout-math.js';
import { isPodReady } from '../replicaset/pod-state.js';

/** What the controller found out about the pods' controllers: the sum of their desired replicas, or why it could not. */
export type ExpectedScale = { count: number } | { error: string };

/**
 * Kubernetes' getExpectedPodCount: minAvailable as a number needs only the pod count; maxUnavailable
 * or a percentage of minAvailable needs the controllers' scale (`scale()`, called only then).
 * Returns expectedCount and desiredHealthy, or the error that fails the sync. Pure.
 */
export function expectedAndDesired(
  pdb: PodDisruptionBudget,
  pods: Pod[],
  scale: () => ExpectedScale,
): { expected: number; desired: number } | { error: string } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) {
    const s = scale();
    if ('error' in s) return s;
    const maxUnavailable = scaledValue(spec.maxUnavailable, s.count, true);
    return { expected: s.count, desired: Math.max(0, s.count - maxUnavailable) };
  }
  if (spec.minAvailable !== undefined && typeof spec.minAvailable === 'string' && spec.minAvailable.endsWith('%')) {
    const s = scale();
    if ('error' in s) return s;
    return { expected: s.count, desired: scaledValue(spec.minAvailable, s.count, true) };
  }
  const min = spec.minAvailable === undefined ? 1 : scaledValue(spec.minAvailable, pods.length, true);
  return { expected: pods.length, desired: min };
}

/** How long an eviction's entry in status.disruptedPods holds a pod out of the healthy count (DeletionTimeout, 2 minutes). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;

/**
 * buildDisruptedPodMap: the entries of status.disruptedPods still pending at `nowMs` (pod present,
 * not yet being deleted, evicted less than 2 minutes ago), and when the earliest of them expires. Pure.
 */
export function pendingDisruptions(
  disrupted: Record<string, string> | undefined,
  pods: Pod[],
  nowMs: number,
): { pending: Record<string, string>; expiresAt?: number } {
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  const pending: Record<string, string> = {};
  let expiresAt: number | undefined;
  for (const [name, at] of Object.entries(disrupted ?? {})) {
    const pod = byName.get(name);
    if (!pod || pod.metadata?.deletionTimestamp) continue;
    const end = Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS;
    if (Number.isNaN(end) || end <= nowMs) continue;
    pending[name] = at;
    expiresAt = expiresAt === undefined ? end : Math.min(expiresAt, end);
  }
  return { pending, expiresAt };
}

/** Pods that count as healthy: Ready, not being deleted and not just evicted (countHealthyPods). Pure. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string> = {}): number {
  return pods.filter(
    (p) => !p.metadata?.deletionTimestamp && !Object.hasOwn(disrupted, p.metadata?.name ?? '') && isPodReady(p),
  ).length;
}

/**
 * The status the disruption controller writes (updatePdbStatus): currentHealthy, desiredHealthy,
 * expectedPods, disruptionsAllowed (0 unless more are healthy than desired), observedGeneration,
 * disruptedPods still pending (see pendingDisruptions), and the DisruptionAllowed condition (SufficientPods / InsufficientPods, or
 * SyncFailed with the error and no disruptions allowed). Pure.
 */
export function pdbStatus(
  pdb: PodDisruptionBudget,
  pods: Pod[],
  scale: () => ExpectedScale,
  nowMs: number,
): PodDisruptionBudgetStatus {
  const prev = pdb.status;
  const now = new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
  const { pending } = pendingDisruptions(prev?.disruptedPods, pods, nowMs);
  const base = { observedGeneration: pdb.metadata?.generation, disruptedPods: pending };
  const counts = expectedAndDesired(pdb, pods, scale);
  if ('error' in counts) {
    return {
      ...base,
      currentHealthy: prev?.currentHealthy ?? 0,
      desiredHealthy: prev?.desiredHealthy ?? 0,
      expectedPods: prev?.expectedPods ?? 0,
      disruptionsAllowed: 0,
      conditions: [condition(prev?.conditions, 'False', 'SyncFailed', counts.error, now)],
    };
  }
  const healthy = countHealthy(pods, pending);
  const allowed = counts.expected > 0 && healthy > counts.desired ? healthy - counts.desired : 0;
  return {
    ...base,
    currentHealthy: healthy,
    desiredHealthy: counts.desired,
    expectedPods: counts.expected,
    disruptionsAllowed: allowed,
    conditions: [
      condition(
        prev?.conditions,
        allowed > 0 ? 'True' : 'False',
        allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
        '',
        now,
      ),
    ],
  };
}

function condition(
  prev: Condition[] | undefined,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: string,
): Condition {
  const old = prev?.find((c) => c.type === 'DisruptionAllowed');
  // As apimeta.SetStatusCondition: the transition time moves only when the status does.
  return {
    type: 'DisruptionAllowed',
    status,
    reason,
    message,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
  };
}
