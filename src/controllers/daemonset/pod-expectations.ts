/** Expectations older than this are treated as met (controller.ExpectationsTimeout). */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Pending {
  adds: number;
  deletes: Set<string>;
  at: number;
}

/**
 * Creates and deletes a DaemonSet sync sent and the pod informer has not shown yet
 * (ControllerExpectations with UID tracking). Unlike the ReplicaSet's, one sync may expect both
 * creates and deletes. Keyed by the DaemonSet's `namespace/name`; informer callbacks are sync and
 * one key is handled by one worker at a time.
 */
export class PodExpectations {
  private readonly byKey = new Map<string, Pending>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Nothing pending (or what is pending is older than the TTL): the cache can be trusted. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e || (e.adds <= 0 && e.deletes.size === 0)) return true;
    return this.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  /** Records the writes about to be sent (replacing what was pending). */
  expect(key: string, adds: number, deletes: readonly string[]): void {
    this.byKey.set(key, { adds, deletes: new Set(deletes), at: this.now() });
  }

  /** A pod of the owner appeared, or a create failed. */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.adds--;
  }

  /** A pod of the owner went or began terminating, or its delete failed. */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  /** Forgets the key (its owner is gone). */
  forget(key: string): void {
    this.byKey.delete(key);
  }
}
