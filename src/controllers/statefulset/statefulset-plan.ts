import type { Pod } from 'kubernetes-types/core/v1.js';
import { isFinished, isRunningAndAvailable, isTerminating, podRevision } from './pod-health.js';

/** One write of a sync step, in the order the controller must send them. */
export type StatefulStep =
  /** Create the claims, then the pod, for this ordinal from the current or the update revision. */
  | { kind: 'create'; ordinal: number; revision: 'current' | 'update' }
  /** Delete a pod: Failed/Succeeded (recreated later), beyond replicas (scale down), or an old revision (update). */
  | { kind: 'delete'; ordinal: number; name: string; reason: 'finished' | 'condemned' | 'update' };

export interface PlanInput {
  /** The set's pods by ordinal (only its own, valid ordinals). */
  pods: ReadonlyMap<number, Pod>;
  replicas: number;
  start: number;
  /** OrderedReady (one at a time, waiting for Running+Ready) or Parallel. */
  ordered: boolean;
  /** RollingUpdate with this partition; undefined for OnDelete. */
  partition: number | undefined;
  updateRevision: string;
  minReadySeconds: number;
  nowMs: number;
}

/** Why the plan stopped early (for logs and tests); undefined when it ran to the end. */
export type PlanWait = { ordinal: number; why: 'creating' | 'terminating' | 'unhealthy' } | undefined;

/**
 * One sync of Kubernetes' defaultStatefulSetControl.updateStatefulSet, as a list of steps:
 *  1. ordinals [start, start+replicas) in ascending order: delete finished pods, create missing
 *     ones (ordinals below the partition from the current revision, the others from the update
 *     revision); in OrderedReady mode stop at the first write or at a pod not yet Running+Ready;
 *  2. pods beyond replicas, highest ordinal first: delete them (OrderedReady: one per sync, and only
 *     once every other pod is healthy);
 *  3. RollingUpdate: from the highest ordinal down to the partition, delete the first pod not on the
 *     update revision and stop; stop too at a pod that is not healthy (maxUnavailable 1).
 * Pure; the controller runs the steps and is woken by their events for the next sync.
 */
export function planStatefulSet(input: PlanInput): { steps: StatefulStep[]; wait: PlanWait } {
  const steps: StatefulStep[] = [];
  const healthy = (p: Pod) => isRunningAndAvailable(p, input.minReadySeconds, input.nowMs);
  const end = input.start + input.replicas;
  const condemned = [...input.pods.entries()].filter(([o]) => o < input.start || o >= end).sort(([a], [b]) => b - a);
  const partition = input.partition ?? Number.MAX_SAFE_INTEGER;
  const firstUnhealthy = [...input.pods.entries()]
    .filter(([o]) => o >= input.start && o < end)
    .sort(([a], [b]) => a - b)
    .concat(condemned)
    .find(([, p]) => !healthy(p))?.[0];

  for (let ord = input.start; ord < end; ord++) {
    const pod = input.pods.get(ord);
    if (pod && isFinished(pod) && !isTerminating(pod)) {
      steps.push({ kind: 'delete', ordinal: ord, name: pod.metadata?.name ?? '', reason: 'finished' });
      if (input.ordered) return { steps, wait: { ordinal: ord, why: 'terminating' } };
      continue;
    }
    if (!pod) {
      steps.push({ kind: 'create', ordinal: ord, revision: ord - input.start < partition ? 'current' : 'update' });
      if (input.ordered) return { steps, wait: { ordinal: ord, why: 'creating' } };
      continue;
    }
    if (!input.ordered) continue;
    if (isTerminating(pod)) return { steps, wait: { ordinal: ord, why: 'terminating' } };
    if (!healthy(pod)) return { steps, wait: { ordinal: ord, why: 'unhealthy' } };
  }

  for (const [ord, pod] of condemned) {
    if (isTerminating(pod)) {
      if (input.ordered) return { steps, wait: { ordinal: ord, why: 'terminating' } };
      continue;
    }
    if (input.ordered && !healthy(pod) && ord !== firstUnhealthy)
      return { steps, wait: { ordinal: ord, why: 'unhealthy' } };
    steps.push({ kind: 'delete', ordinal: ord, name: pod.metadata?.name ?? '', reason: 'condemned' });
    if (input.ordered) return { steps, wait: { ordinal: ord, why: 'terminating' } };
  }

  if (input.partition === undefined) return { steps, wait: undefined };
  for (let ord = end - 1; ord >= input.start + Math.max(0, input.partition); ord--) {
    const pod = input.pods.get(ord);
    if (!pod) continue;
    if (podRevision(pod) !== input.updateRevision && !isTerminating(pod)) {
      steps.push({ kind: 'delete', ordinal: ord, name: pod.metadata?.name ?? '', reason: 'update' });
      return { steps, wait: { ordinal: ord, why: 'terminating' } };
    }
    if (!healthy(pod)) return { steps, wait: { ordinal: ord, why: 'unhealthy' } };
  }
  return { steps, wait: undefined };
}
