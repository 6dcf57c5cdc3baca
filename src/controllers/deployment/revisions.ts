import { DESIRED_REPLICAS, MAX_REPLICAS } from './rollout-math.js';
import { REVISION, type RS } from './replica-set-list.js';

export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** Deployment annotations never copied to its ReplicaSets (annotationsToSkip). */
const SKIPPED = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);
/** Longest revision-history annotation kept (maxRevHistoryLengthInChars). */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/**
 * SetNewReplicaSetAnnotations on `rs` (mutated): copies the Deployment's annotations (except the
 * skipped ones), raises the revision to `newRevision` when lower, and then records the previous
 * revision in revision-history (a rollback to an old template reuses its ReplicaSet); a
 * ReplicaSet about to be created (`exists` false) also gets the replicas annotations.
 * Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  annotations: Record<string, string> | undefined,
  rs: RS,
  newRevision: number,
  exists: boolean,
  desired: number,
  max: number,
): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (SKIPPED.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const had = a[REVISION] !== undefined;
  const oldText = a[REVISION] ?? '';
  const old = oldText === '' ? 0 : Number.parseInt(oldText, 10);
  if (Number.isNaN(old)) return changed;
  if (old < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
    if (had) {
      const history = a[REVISION_HISTORY] ?? '';
      const entries = history === '' ? [] : history.split(',');
      entries.push(oldText);
      while (entries.join(',').length > MAX_REVISION_HISTORY_CHARS && entries.length > 1) entries.shift();
      a[REVISION_HISTORY] = entries.join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, desired, max)) changed = true;
  return changed;
}

/** Sets desired-replicas and max-replicas on `rs` (mutated); returns whether they changed. */
export function setReplicasAnnotations(rs: RS, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  if (a[DESIRED_REPLICAS] !== String(desired)) {
    a[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS] !== String(max)) {
    a[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

/** Whether the replicas annotations differ from desired / max (ReplicasAnnotationsNeedUpdate). Pure. */
export function replicasAnnotationsNeedUpdate(rs: RS, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/** The desired-replicas annotation, undefined when missing or invalid. Pure. */
export function desiredReplicasOf(rs: RS): number | undefined {
  const v = Number.parseInt(rs.metadata.annotations?.[DESIRED_REPLICAS] ?? '', 10);
  return Number.isFinite(v) ? v : undefined;
}
