import type { Deployment, DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import { getCondition, newCondition, Reason, removeCondition, setCondition } from './deployment-conditions.js';
import { maxUnavailable } from './rollout-math.js';
import { sumActual, sumAvailable, sumReady, sumSpec, type RS } from './replica-set-list.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** A Deployment as cached and written. */
export type Dep = ObjectOf<Deployment>;

export const replicasOf = (d: Dep): number => d.spec?.replicas ?? 1;
export const rolloutSpecOf = (d: Dep) => ({ replicas: replicasOf(d), strategy: d.spec?.strategy });

/** progressDeadlineSeconds is set and not MaxInt32 (HasProgressDeadline). Pure. */
export function hasProgressDeadline(d: Dep): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

/**
 * calculateStatus: counts from the ReplicaSets (replicas and updated from their status, unavailable
 * from spec minus available), the Available condition against replicas - maxUnavailable, and the
 * other conditions and collisionCount carried over. Pure.
 */
export function calculateDeploymentStatus(
  d: Dep,
  allRSs: RS[],
  newRS: RS | undefined,
  nowMs: number,
): DeploymentStatus {
  const available = sumAvailable(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sumActual(allRSs),
    updatedReplicas: sumActual(newRS ? [newRS] : []),
    readyReplicas: sumReady(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpec(allRSs) - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(rolloutSpecOf(d))) {
    setCondition(
      status,
      newCondition('Available', 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', nowMs),
    );
  } else {
    setCondition(
      status,
      newCondition(
        'Available',
        'False',
        Reason.MinimumReplicasUnavailable,
        'Deployment does not have minimum availability.',
        nowMs,
      ),
    );
  }
  return status;
}

/** Every replica updated and available, none old, generation observed (DeploymentComplete). Pure. */
export function deploymentComplete(d: Dep, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === r &&
    (s.replicas ?? 0) === r &&
    (s.availableReplicas ?? 0) === r &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** More updated, ready or available replicas, or fewer old ones, than last time (DeploymentProgressing). Pure. */
export function deploymentProgressing(d: Dep, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0)
  );
}

/** The Progressing condition was last updated more than progressDeadlineSeconds ago (DeploymentTimedOut). Pure. */
export function deploymentTimedOut(d: Dep, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === Reason.NewReplicaSetAvailable) return false;
  if (c.reason === Reason.ProgressDeadlineExceeded) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

/**
 * syncRolloutStatus' status: calculateStatus plus the Progressing condition (NewReplicaSetAvailable
 * when complete, ReplicaSetUpdated while progressing with lastUpdateTime refreshed,
 * ProgressDeadlineExceeded when stuck past the deadline) and ReplicaFailure copied from the
 * ReplicaSets. Pure.
 */
export function rolloutStatus(d: Dep, allRSs: RS[], newRS: RS | undefined, nowMs: number): DeploymentStatus {
  const s = calculateDeploymentStatus(d, allRSs, newRS, nowMs);
  if (!hasProgressDeadline(d)) removeCondition(s, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const name = newRS?.metadata.name;
    if (deploymentComplete(d, s)) {
      setCondition(
        s,
        newCondition(
          'Progressing',
          'True',
          Reason.NewReplicaSetAvailable,
          `ReplicaSet "${name ?? ''}" has successfully progressed.`,
          nowMs,
        ),
      );
    } else if (deploymentProgressing(d, s)) {
      const cond = newCondition(
        'Progressing',
        'True',
        Reason.ReplicaSetUpdated,
        name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${d.metadata.name ?? ''}" is progressing.`,
        nowMs,
      );
      if (current?.status === 'True' && current.lastTransitionTime)
        cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(s, 'Progressing');
      setCondition(s, cond);
    } else if (deploymentTimedOut(d, s, nowMs)) {
      setCondition(
        s,
        newCondition(
          'Progressing',
          'False',
          Reason.ProgressDeadlineExceeded,
          name
            ? `ReplicaSet "${name}" has timed out progressing.`
            : `Deployment "${d.metadata.name ?? ''}" has timed out progressing.`,
          nowMs,
        ),
      );
    }
  }
  const failure = [newRS, ...allRSs]
    .map((rs) => rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True'))
    .find((c) => c !== undefined);
  if (failure)
    setCondition(
      s,
      newCondition(
        'ReplicaFailure',
        'True',
        failure.reason ?? '',
        failure.message ?? '',
        Date.parse(failure.lastTransitionTime ?? '') || nowMs,
      ),
    );
  else removeCondition(s, 'ReplicaFailure');
  return s;
}

/**
 * requeueStuckDeployment: when a rollout is neither complete nor timed out, look again when its
 * deadline would pass (at least 1 s from now). Undefined when nothing needs watching. Pure.
 */
export function progressRecheckMs(d: Dep, s: DeploymentStatus, nowMs: number): number | undefined {
  const c = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (deploymentComplete(d, s) || c.reason === Reason.ProgressDeadlineExceeded) return undefined;
  const last = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(last)) return undefined;
  return Math.max(1000, last + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - nowMs);
}
