/** Expectations older than this are treated as met (controller.ExpectationsTimeout, 5 minutes). */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  /** Keys (`namespace/name`) of pods this controller asked to delete and has not yet seen go. */
  deletes: Set<string>;
  at: number;
}

/**
 * What a controller is waiting to observe after its own creates and deletes
 * (UIDTrackingControllerExpectations): until the informer has shown them, the cache is stale and
 * acting on it would double-create or double-delete. Keyed by the owner's `namespace/name`.
 * Not thread-safe: one key is only handled by one worker at a time, informer callbacks are sync.
 */
export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when nothing is pending for the key, or what is pending is older than the TTL. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.deletes.size === 0) return true;
    return this.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  /** Records `count` creates about to be sent (replacing any earlier expectation of the key). */
  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { add: count, deletes: new Set(), at: this.now() });
  }

  /** Records deletes of these pod keys about to be sent (replacing any earlier expectation). */
  expectDeletions(key: string, podKeys: string[]): void {
    this.byKey.set(key, { add: 0, deletes: new Set(podKeys), at: this.now() });
  }

  /** A pod of the owner appeared (informer add), or a create failed or was skipped. */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  /** A pod of the owner went or began terminating, or its delete failed. Unknown pods are ignored. */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  /** Forgets the key (its owner is gone). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** Pending creates and deletes of a key (for tests and logs). */
  pending(key: string): { add: number; del: number } {
    const e = this.byKey.get(key);
    return { add: e?.add ?? 0, del: e?.deletes.size ?? 0 };
  }
}
