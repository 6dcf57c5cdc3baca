import type { DeploymentSpec } from 'kubernetes-types/apps/v1.js';
import { sumSpec, specReplicas, type RS } from './replica-set-list.js';

/** The deployment fields the rollout arithmetic reads. */
export interface RolloutSpec {
  replicas: number;
  strategy?: DeploymentSpec['strategy'];
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, `N%` of total rounded up or down. Pure.
 * Throws on a malformed percentage (validation rejects those before they are stored).
 */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: ${v}`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down; both 0 would deadlock the
 * rollout, so unavailable becomes 1. Pure.
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

const isRolling = (d: RolloutSpec) => (d.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** MaxSurge: 0 for Recreate. Pure. */
export function maxSurge(d: RolloutSpec): number {
  if (!isRolling(d)) return 0;
  return resolveFenceposts(d.strategy?.rollingUpdate?.maxSurge, d.strategy?.rollingUpdate?.maxUnavailable, d.replicas)
    .surge;
}

/** MaxUnavailable: 0 for Recreate or 0 replicas, at most replicas. Pure. */
export function maxUnavailable(d: RolloutSpec): number {
  if (!isRolling(d) || d.replicas === 0) return 0;
  const { unavailable } = resolveFenceposts(
    d.strategy?.rollingUpdate?.maxSurge,
    d.strategy?.rollingUpdate?.maxUnavailable,
    d.replicas,
  );
  return Math.min(unavailable, d.replicas);
}

/**
 * NewRSNewReplicas: how big the new ReplicaSet may be now. Rolling: grow into the surge room
 * (replicas + maxSurge minus every pod the ReplicaSets ask for), never beyond replicas;
 * Recreate: replicas at once. Pure.
 */
export function newRSNewReplicas(d: RolloutSpec, allRSs: RS[], newRS: RS): number {
  if (!isRolling(d)) return d.replicas;
  const maxTotal = d.replicas + maxSurge(d);
  const current = sumSpec(allRSs);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, d.replicas - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/**
 * How many old replicas a rolling update may remove now (reconcileOldReplicaSets' maxScaledDown):
 * all pods minus the minimum available minus the new ReplicaSet's not-yet-available pods. Pure.
 */
export function maxScaledDown(d: RolloutSpec, allRSs: RS[], newRS: RS): number {
  const minAvailable = d.replicas - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  return sumSpec(allRSs) - minAvailable - newUnavailable;
}

/**
 * getReplicaSetFraction: the change a ReplicaSet's size gets when the deployment is resized from
 * the size in its max-replicas annotation (fallback: the deployment's status.replicas) to
 * replicas + maxSurge. Pure.
 */
export function replicaSetFraction(rs: RS, d: RolloutSpec, statusReplicas: number): number {
  if (d.replicas === 0) return -specReplicas(rs);
  const deploymentReplicas = d.replicas + maxSurge(d);
  const annotated = Number.parseInt(rs.metadata.annotations?.[MAX_REPLICAS] ?? '', 10);
  const base = Number.isFinite(annotated) ? annotated : statusReplicas;
  if (base === 0) return 0;
  return Math.round((specReplicas(rs) * deploymentReplicas) / base) - specReplicas(rs);
}

/** GetProportion: the fraction, capped by what is still left to add (or remove). Pure. */
export function proportion(rs: RS, d: RolloutSpec, statusReplicas: number, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d, statusReplicas);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
