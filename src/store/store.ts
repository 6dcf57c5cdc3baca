/**
 * The Store contract: a revisioned key-value space with watch and compaction, modelled on
 * etcd v3 and kine. Every write (create, update, delete) gets a new, strictly increasing
 * cluster-wide revision; an object's resourceVersion is the revision of its last write.
 *
 * Conflicts and missing keys are results, not exceptions: a throw means the backend itself failed
 * (I/O error, lost connection). Keys are strings such as `/registry/pods/default/web-1`; values are
 * opaque bytes (the API server stores JSON).
 */

/** One stored key at one revision. */
export interface StoredValue {
  key: string;
  value: Uint8Array;
  /** Revision of the write that created this key (stays the same across updates). */
  createRevision: number;
  /** Revision of the last write to this key: the object's resourceVersion. */
  modRevision: number;
}

export type WriteResult =
  | { ok: true; revision: number }
  /** `exists`: create of a key that is present. `not-found`: update/delete of an absent key.
   *  `conflict`: expectedRevision differs from the key's modRevision; `current` is what is stored. */
  | { ok: false; reason: 'exists' | 'not-found' | 'conflict'; current?: StoredValue };

export type DeleteResult =
  | { ok: true; revision: number; previous: StoredValue }
  | { ok: false; reason: 'not-found' | 'conflict'; current?: StoredValue };

export interface ListOptions {
  /** Return at most this many items (0 or undefined: all). */
  limit?: number;
  /** Return keys strictly greater than this one (for paging with `continue`). */
  startAfter?: string;
  /** Read as of this revision (for consistent paging). Fails with CompactedError if compacted. */
  revision?: number;
}

export interface ListResult {
  items: StoredValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys match after the last returned one. */
  more: boolean;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** For put: the new value. For delete: the value as it was just before the delete. */
  value: StoredValue;
  /** For put on an existing key: the previous value, when the backend knows it. */
  previous?: StoredValue;
  /** Revision of this write (for delete: the delete's own revision). */
  revision: number;
}

export interface Watch {
  /** Stop delivering events. Idempotent. */
  cancel(): void;
}

export interface WatchOptions {
  /** Deliver every event with revision > afterRevision, in revision order. */
  afterRevision: number;
  /** Called with batches of events, in strict revision order, never concurrently. */
  onEvents(events: WatchEvent[]): void;
  /** Called once when the watch can no longer continue (compacted, backend closed). */
  onError(err: Error): void;
}

export interface Store {
  get(key: string): Promise<StoredValue | undefined>;
  create(key: string, value: Uint8Array): Promise<WriteResult>;
  /** Compare-and-swap on modRevision. */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult>;
  /** Without expectedRevision, delete unconditionally. */
  delete(key: string, expectedRevision?: number): Promise<DeleteResult>;
  /** Keys starting with prefix, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Watch keys starting with prefix. */
  watch(prefix: string, options: WatchOptions): Watch;
  currentRevision(): Promise<number>;
  /** Forget superseded versions at or below revision; watches/lists from before it fail with CompactedError. */
  compact(revision: number): Promise<void>;
  /** The oldest revision a watch may resume from. */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}

/** Thrown (or passed to onError) when a requested revision has been compacted away. */
export class CompactedError extends Error {
  readonly code = 'Compacted';
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`revision ${requested} has been compacted (oldest available ${compacted})`);
  }
}
