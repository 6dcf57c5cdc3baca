import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../replicaset/pod-state.js';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revision.js';

/** Has a deletionTimestamp (isTerminating). Pure. */
export function isTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/** Phase Failed or Succeeded: the StatefulSet replaces it (isFailed / isSucceeded). Pure. */
export function isFinished(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
}

/** Running, Ready and not terminating (isRunningAndReady). Pure. */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod) && !isTerminating(pod);
}

/** Running and Ready for minReadySeconds, not terminating (isRunningAndAvailable). Pure. */
export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  return isRunningAndReady(pod) && isPodAvailable(pod, minReadySeconds, nowMs);
}

/** The controller-revision-hash label (getPodRevision). Pure. */
export function podRevision(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH];
}
