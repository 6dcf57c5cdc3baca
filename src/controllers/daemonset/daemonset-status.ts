import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isPodReady } from '../replicaset/pod-state.js';
import { isDaemonPodAvailable, isPodUpdated } from './daemon-pod.js';
import type { NodeState } from './daemonset-plan.js';

export interface DaemonStatusInput {
  nodes: readonly NodeState[];
  hash: string;
  generation: string;
  collisionCount: number;
  observedGeneration: number | undefined;
  minReadySeconds: number;
  nowMs: number;
}

/**
 * updateDaemonSetStatus: per node that should run the daemon, one of its live pods (ready ones
 * first, then the oldest) counts for current / ready / available / updated; nodes that should not
 * run it but have a pod are misscheduled. Pure.
 */
export function calculateDaemonSetStatus(input: DaemonStatusInput): DaemonSetStatus {
  let desired = 0,
    current = 0,
    misscheduled = 0,
    ready = 0,
    available = 0,
    updated = 0;
  for (const node of input.nodes) {
    const pods = node.pods.filter(
      (p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded',
    );
    if (!node.shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(bestFirst)[0] as Pod;
    if (isPodReady(pod)) {
      ready++;
      if (isDaemonPodAvailable(pod, input.minReadySeconds, input.nowMs)) available++;
    }
    if (isPodUpdated(pod, input.hash, input.generation)) updated++;
  }
  const st: DaemonSetStatus = {
    currentNumberScheduled: current,
    desiredNumberScheduled: desired,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    updatedNumberScheduled: updated,
    observedGeneration: input.observedGeneration,
  };
  if (desired - available > 0) st.numberUnavailable = desired - available;
  if (input.collisionCount > 0) st.collisionCount = input.collisionCount;
  return st;
}

/** Whether the stored status differs from the computed one (conditions kept as stored). Pure. */
export function daemonSetStatusChanged(stored: DaemonSetStatus | undefined, next: DaemonSetStatus): boolean {
  const { conditions: _c, ...rest } = stored ?? ({} as DaemonSetStatus);
  return !deepEqual(JSON.parse(JSON.stringify(rest)), JSON.parse(JSON.stringify(next)));
}

function bestFirst(a: Pod, b: Pod): number {
  const ra = isPodReady(a) ? 0 : 1;
  const rb = isPodReady(b) ? 0 : 1;
  if (ra !== rb) return ra - rb;
  return (
    (Date.parse(a.metadata?.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata?.creationTimestamp ?? '') || 0)
  );
}
