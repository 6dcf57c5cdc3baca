import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { LabelSelector } from '../../api/selectors/label-selector.js';

/** The ownerReference with controller=true, if any (metav1.GetControllerOf). Pure. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The ownerReference a controller puts on what it creates or adopts (controller + blockOwnerDeletion). Pure. */
export function controllerRefTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimPlan<T extends KubeObject> {
  /** Controlled by the owner and matching its selector: its to manage. */
  owned: T[];
  /** Orphans matching the selector: the owner adopts them (then manages them). */
  adopt: T[];
  /** Controlled by the owner but no longer matching: the owner lets go of them. */
  release: T[];
}

/**
 * Kubernetes' ControllerRefManager.ClaimObject for every candidate: objects controlled by someone
 * else are ignored; an owner being deleted neither adopts nor releases; objects being deleted are
 * not adopted. Pure.
 */
export function planClaims<T extends KubeObject>(
  owner: KubeObject,
  selector: LabelSelector,
  candidates: T[],
): ClaimPlan<T> {
  const plan: ClaimPlan<T> = { owned: [], adopt: [], release: [] };
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  for (const obj of candidates) {
    const ref = controllerOf(obj);
    const matches = selector.matches(obj.metadata.labels);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches) plan.owned.push(obj);
      else if (!ownerDeleting) plan.release.push(obj);
      continue;
    }
    if (ownerDeleting || !matches || obj.metadata.deletionTimestamp) continue;
    plan.adopt.push(obj);
  }
  return plan;
}

/** The merge patch that adds the owner's controller reference (guarded by the object's resourceVersion). Pure. */
export function adoptPatch(obj: KubeObject, owner: KubeObject): unknown {
  return {
    metadata: {
      ownerReferences: [...(obj.metadata.ownerReferences ?? []), controllerRefTo(owner)],
      resourceVersion: obj.metadata.resourceVersion,
    },
  };
}

/** The merge patch that removes the owner's reference (guarded by the object's resourceVersion). Pure. */
export function releasePatch(obj: KubeObject, ownerUid: string): unknown {
  const kept = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return { metadata: { ownerReferences: kept.length ? kept : null, resourceVersion: obj.metadata.resourceVersion } };
}
