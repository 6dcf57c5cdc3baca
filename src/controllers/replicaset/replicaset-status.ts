import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isPodAvailable, isPodReady } from './pod-state.js';

/** Why replicas could not be managed; becomes the ReplicaFailure condition. */
export interface ManageFailure {
  reason: 'FailedCreate' | 'FailedDelete';
  message: string;
}

/**
 * The ReplicaSet status from its active, controlled pods (replica_set_utils.calculateStatus):
 * replicas, fullyLabeledReplicas (pods carrying every template label), readyReplicas,
 * availableReplicas (ready for minReadySeconds at nowMs); the ReplicaFailure condition is set
 * while a create/delete fails and removed once managing succeeds. observedGeneration is left as
 * it was (the caller sets it when writing). Pure.
 */
export function calculateReplicaSetStatus(
  rs: ReplicaSet,
  pods: Pod[],
  failure: ManageFailure | undefined,
  nowMs: number,
): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, nowMs)) available++;
    }
  }
  const status: ReplicaSetStatus = {
    ...rs.status,
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
  };
  let conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const existing = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (failure) {
    const cond: ReplicaSetCondition = existing ?? {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      reason: failure.reason,
      message: failure.message,
    };
    conditions = [...conditions, cond];
  }
  if (conditions.length) status.conditions = conditions;
  else delete status.conditions;
  return status;
}

/** Whether writing `next` (with the RS's generation as observedGeneration) would change anything. Pure. */
export function replicaSetStatusChanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const want = { ...next, observedGeneration: rs.metadata?.generation };
  return !deepEqual(clean(rs.status ?? { replicas: 0 }), clean(want));
}

function clean(s: ReplicaSetStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined && v !== 0) out[k] = v;
  return out;
}
