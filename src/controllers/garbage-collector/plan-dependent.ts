import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../api/object.js';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * An owner as the collector sees it: `solid` (exists, not deleting its dependents first),
 * `dangling` (gone, or the name now belongs to another uid), `waiting` (exists, being deleted in
 * the foreground: its dependents must go before it).
 */
export type OwnerState = 'solid' | 'dangling' | 'waiting';

export type DependentAction =
  | { type: 'none' }
  | { type: 'delete'; propagationPolicy: 'Background' | 'Foreground' | 'Orphan' }
  /** Some owners remain: drop references to gone owners and stop blocking owners being deleted. */
  | { type: 'update-owner-references'; ownerReferences: OwnerReference[] };

/**
 * What to do with an object that has ownerReferences, given each owner's state (Kubernetes'
 * attemptToDeleteItem): keep it while any owner is solid (tidying the other references); else
 * delete it - in the foreground when an owner waits for it and it has dependents of its own (so
 * they block that owner too), otherwise with the policy its own finalizers ask for. Objects
 * already being deleted are left alone. Pure.
 */
export function planDependent(
  obj: KubeObject,
  states: ReadonlyMap<string, OwnerState>,
  hasDependents: boolean,
): DependentAction {
  const refs = obj.metadata.ownerReferences ?? [];
  if (refs.length === 0 || obj.metadata.deletionTimestamp) return { type: 'none' };
  const stateOf = (r: OwnerReference): OwnerState => states.get(r.uid) ?? 'solid';
  const solid = refs.filter((r) => stateOf(r) === 'solid');
  const dangling = refs.filter((r) => stateOf(r) === 'dangling');
  const waiting = refs.filter((r) => stateOf(r) === 'waiting');
  if (solid.length > 0) {
    const blocking = waiting.filter((r) => r.blockOwnerDeletion === true);
    if (dangling.length === 0 && blocking.length === 0) return { type: 'none' };
    const kept = refs
      .filter((r) => stateOf(r) !== 'dangling')
      .map((r) => (stateOf(r) === 'waiting' && r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
    return { type: 'update-owner-references', ownerReferences: kept };
  }
  if (waiting.length > 0 && hasDependents) return { type: 'delete', propagationPolicy: 'Foreground' };
  const finalizers = obj.metadata.finalizers ?? [];
  if (finalizers.includes(ORPHAN_FINALIZER)) return { type: 'delete', propagationPolicy: 'Orphan' };
  if (finalizers.includes(FOREGROUND_FINALIZER)) return { type: 'delete', propagationPolicy: 'Foreground' };
  return { type: 'delete', propagationPolicy: 'Background' };
}

/** Whether an object is being deleted and waits for the collector (orphan or foreground finalizer). */
export function awaitsCollector(obj: KubeObject): boolean {
  const f = obj.metadata.finalizers ?? [];
  return (
    obj.metadata.deletionTimestamp !== undefined && (f.includes(ORPHAN_FINALIZER) || f.includes(FOREGROUND_FINALIZER))
  );
}

/** Whether an owner is being deleted in the foreground. */
export function isWaitingForDependents(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}
