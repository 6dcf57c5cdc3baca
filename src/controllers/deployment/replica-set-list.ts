import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { equalIgnoreHash } from './pod-template-hash.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** A ReplicaSet as cached and written: KubeObject metadata, typed spec and status. */
export type RS = ObjectOf<ReplicaSet>;

export const REVISION = 'deployment.kubernetes.io/revision';

export const specReplicas = (rs: RS | undefined): number => rs?.spec?.replicas ?? 0;

/** Oldest first, then by name (controller.ReplicaSetsByCreationTimestamp). Pure, returns a new array. */
export function byCreation(list: RS[]): RS[] {
  return [...list].sort(
    (a, b) => created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** Lowest revision first, then oldest (ReplicaSetsByRevision). Pure. */
export function byRevision(list: RS[]): RS[] {
  return [...list].sort(
    (a, b) =>
      revisionOf(a) - revisionOf(b) ||
      created(a) - created(b) ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** Larger first; equal sizes newer first (up) or older first (down) (ReplicaSetsBySizeNewer/Older). Pure. */
export function bySize(list: RS[], newerFirst: boolean): RS[] {
  return [...list].sort(
    (a, b) => specReplicas(b) - specReplicas(a) || (newerFirst ? created(b) - created(a) : created(a) - created(b)),
  );
}

/** The revision annotation as a number (0 when missing or invalid). Pure. */
export function revisionOf(rs: RS): number {
  const v = Number.parseInt(rs.metadata.annotations?.[REVISION] ?? '', 10);
  return Number.isFinite(v) ? v : 0;
}

/** Highest revision among the ReplicaSets (0 for none). Pure. */
export function maxRevision(list: RS[]): number {
  return list.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** The oldest ReplicaSet whose template equals the Deployment's, ignoring the hash label (FindNewReplicaSet). Pure. */
export function findNewReplicaSet(template: PodTemplateSpec | undefined, list: RS[]): RS | undefined {
  return byCreation(list).find((rs) => equalIgnoreHash(rs.spec?.template, template));
}

/** ReplicaSets with spec.replicas > 0 (FilterActiveReplicaSets). Pure. */
export function active(list: (RS | undefined)[]): RS[] {
  return list.filter((rs): rs is RS => rs !== undefined && specReplicas(rs) > 0);
}

/** Sum of spec.replicas (GetReplicaCountForReplicaSets). Pure. */
export const sumSpec = (list: (RS | undefined)[]): number => list.reduce((n, rs) => n + specReplicas(rs), 0);
/** Sum of status.replicas (GetActualReplicaCountForReplicaSets). Pure. */
export const sumActual = (list: (RS | undefined)[]): number =>
  list.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
/** Sum of status.readyReplicas. Pure. */
export const sumReady = (list: (RS | undefined)[]): number =>
  list.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
/** Sum of status.availableReplicas. Pure. */
export const sumAvailable = (list: (RS | undefined)[]): number =>
  list.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

/**
 * The one ReplicaSet to scale when at most one is active (FindActiveOrLatest): the active one, or
 * with none active the new one, else the newest old one. Undefined when several are active. Pure.
 */
export function findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = byCreation(oldRSs).reverse();
  const all = active([...newestFirst, newRS]);
  if (all.length === 0) return newRS ?? newestFirst[0];
  return all.length === 1 ? all[0] : undefined;
}

function created(rs: RS): number {
  const t = rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0;
  return Number.isNaN(t) ? 0 : t;
}
