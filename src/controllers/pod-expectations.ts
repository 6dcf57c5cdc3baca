import type { KubeObject } from '../api/object.js';
import { keyOf, objectKey } from '../machinery/client/object-key.js';
import type { InformerHandlers } from '../machinery/client/informer.js';
import { controllerOf } from './replicaset/controller-ref.js';

/** Expectations older than this are treated as met (controller.ExpectationsTimeout, 5 minutes). */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Pending {
  adds: number;
  /** Keys (`namespace/name`) of pods this controller asked to delete and has not yet seen go. */
  deletes: Set<string>;
  at: number;
}

/**
 * What a pod-owning controller (ReplicaSet, Job, DaemonSet) is waiting to observe after its own
 * creates and deletes (UIDTrackingControllerExpectations): until the informer has shown them, the
 * cache is stale and acting on it would double-create or double-delete. Keyed by the owner's
 * `namespace/name`. Informer callbacks are sync and one key is handled by one worker at a time.
 */
export class PodExpectations {
  private readonly byKey = new Map<string, Pending>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when nothing is pending for the key, or what is pending is older than the TTL. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e || (e.adds <= 0 && e.deletes.size === 0)) return true;
    return this.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  /** Records the creates and deletes about to be sent (replacing whatever was pending). */
  expect(key: string, adds: number, deletes: readonly string[] = []): void {
    this.byKey.set(key, { adds, deletes: new Set(deletes), at: this.now() });
  }

  /** A pod of the owner appeared (informer add), or a create failed or was skipped. */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.adds--;
  }

  /** A pod of the owner went or began terminating, or its delete failed. Unknown pods are ignored. */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  /** Forgets the key (its owner is gone). */
  forget(key: string): void {
    this.byKey.delete(key);
  }

  /** Pending creates and deletes of a key (for tests and logs). */
  pending(key: string): { add: number; del: number } {
    const e = this.byKey.get(key);
    return { add: e?.adds ?? 0, del: e?.deletes.size ?? 0 };
  }
}

/**
 * Pod informer handlers that feed the expectations of the owners of kind `ownerKind` (the pod's
 * controller reference): an added pod is an observed create, a terminating or deleted one an
 * observed delete. Register them before the work queue's, so a reconcile that a pod event triggers
 * already sees that pod observed.
 */
export function observeOwnedPods(ownerKind: string, expectations: PodExpectations): InformerHandlers<KubeObject> {
  const ownerKey = (pod: KubeObject): string | undefined => {
    const ref = controllerOf(pod);
    return ref?.kind === ownerKind ? keyOf(pod.metadata.namespace, ref.name) : undefined;
  };
  return {
    onAdd: (pod) => {
      const owner = ownerKey(pod);
      if (!owner) return;
      if (pod.metadata.deletionTimestamp) expectations.deletionObserved(owner, objectKey(pod));
      else expectations.creationObserved(owner);
    },
    onUpdate: (_old, pod) => {
      const owner = ownerKey(pod);
      if (owner && pod.metadata.deletionTimestamp) expectations.deletionObserved(owner, objectKey(pod));
    },
    onDelete: (pod) => {
      const owner = ownerKey(pod);
      if (owner) expectations.deletionObserved(owner, objectKey(pod));
    },
  };
}
