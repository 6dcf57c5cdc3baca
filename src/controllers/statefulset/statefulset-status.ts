import type { StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isRunningAndAvailable, isRunningAndReady, isTerminating, podRevision } from './pod-health.js';

export interface StatusInput {
  pods: readonly Pod[];
  rollingUpdate: boolean;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  observedGeneration: number | undefined;
  minReadySeconds: number;
  nowMs: number;
}

/**
 * The StatefulSet's status (computeReplicaStatus + completeRollingUpdate): replicas counts pods
 * created and not terminating; ready / available / current / updated count among them. When a
 * RollingUpdate has every pod updated and ready, the update revision becomes the current one. Pure.
 */
export function calculateStatefulSetStatus(input: StatusInput): StatefulSetStatus {
  const live = input.pods.filter((p) => !isTerminating(p));
  const st: StatefulSetStatus = {
    observedGeneration: input.observedGeneration,
    replicas: live.length,
    readyReplicas: live.filter(isRunningAndReady).length,
    availableReplicas: live.filter((p) => isRunningAndAvailable(p, input.minReadySeconds, input.nowMs)).length,
    currentReplicas: live.filter((p) => podRevision(p) === input.currentRevision).length,
    updatedReplicas: live.filter((p) => podRevision(p) === input.updateRevision).length,
    currentRevision: input.currentRevision,
    updateRevision: input.updateRevision,
    collisionCount: input.collisionCount,
  };
  if (input.rollingUpdate && st.updatedReplicas === st.replicas && st.readyReplicas === st.replicas) {
    st.currentReplicas = st.updatedReplicas;
    st.currentRevision = st.updateRevision;
  }
  return st;
}

/** Whether the stored status differs from the computed one (conditions kept as stored). Pure. */
export function statefulSetStatusChanged(stored: StatefulSetStatus | undefined, next: StatefulSetStatus): boolean {
  const { conditions: _c, ...rest } = stored ?? ({} as StatefulSetStatus);
  return !deepEqual(JSON.parse(JSON.stringify(rest)), JSON.parse(JSON.stringify(next)));
}
