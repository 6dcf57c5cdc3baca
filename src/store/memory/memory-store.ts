import {
  CompactedError,
  type DeleteResult,
  type ListOptions,
  type ListResult,
  type Store,
  type StoredValue,
  type Watch,
  type WatchEvent,
  type WatchOptions,
  type WriteResult,
} from '../store.js';
import { compareKeys } from '../key-range.js';
import { WatchHub } from '../watch-hub.js';
import { StoreClosedError } from '../store-closed-error.js';

/**
 * An in-memory Store for tests and throwaway clusters: the full contract (revisions, CAS, paging at
 * a revision, watch with replay, compaction) with nothing persisted. Values are kept by reference:
 * callers must not mutate a Uint8Array after passing it in.
 *
 * History is an event log; a list at an older revision starts from the latest state and undoes
 * the events after that revision.
 */
export class MemoryStore implements Store {
  private readonly latest = new Map<string, StoredValue>();
  /** Every event with revision > compacted, in revision order. */
  private log: WatchEvent[] = [];
  private revision = 0;
  private compacted = 0;
  private closed = false;
  private readonly hub: WatchHub;

  constructor() {
    this.hub = new WatchHub({
      readLog: (prefix, after, upTo, limit) => this.readLog(prefix, after, upTo, limit),
      currentRevision: () => this.revision,
      compactedRevision: () => this.compacted,
    });
  }

  async get(key: string): Promise<StoredValue | undefined> {
    this.check();
    return this.latest.get(key);
  }

  async create(key: string, value: Uint8Array): Promise<WriteResult> {
    this.check();
    const current = this.latest.get(key);
    if (current) return { ok: false, reason: 'exists', current };
    const revision = this.revision + 1;
    const stored: StoredValue = { key, value, createRevision: revision, modRevision: revision };
    this.commit({ type: 'put', key, value: stored, revision });
    return { ok: true, revision };
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    this.check();
    const current = this.latest.get(key);
    if (!current) return { ok: false, reason: 'not-found' };
    if (current.modRevision !== expectedRevision) return { ok: false, reason: 'conflict', current };
    const revision = this.revision + 1;
    const stored: StoredValue = { key, value, createRevision: current.createRevision, modRevision: revision };
    this.commit({ type: 'put', key, value: stored, previous: current, revision });
    return { ok: true, revision };
  }

  async delete(key: string, expectedRevision?: number): Promise<DeleteResult> {
    this.check();
    const current = this.latest.get(key);
    if (!current) return { ok: false, reason: 'not-found' };
    if (expectedRevision !== undefined && current.modRevision !== expectedRevision) {
      return { ok: false, reason: 'conflict', current };
    }
    const revision = this.revision + 1;
    this.commit({ type: 'delete', key, value: current, revision });
    return { ok: true, revision, previous: current };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.check();
    const revision = options.revision ?? this.revision;
    const state = this.stateAt(revision);
    const keys = [...state.keys()]
      .filter(
        (k) => k.startsWith(prefix) && (options.startAfter === undefined || compareKeys(k, options.startAfter) > 0),
      )
      .sort(compareKeys);
    const limit = options.limit && options.limit > 0 ? options.limit : keys.length;
    const items = keys.slice(0, limit).map((k) => state.get(k) as StoredValue);
    return { items, revision, more: keys.length > limit };
  }

  async count(prefix: string): Promise<number> {
    this.check();
    let n = 0;
    for (const k of this.latest.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  watch(prefix: string, options: WatchOptions): Watch {
    if (this.closed) {
      setImmediate(() => options.onError(new StoreClosedError()));
      return { cancel: () => undefined };
    }
    return this.hub.add(prefix, options);
  }

  async currentRevision(): Promise<number> {
    this.check();
    return this.revision;
  }

  async compact(revision: number): Promise<void> {
    this.check();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    this.compacted = target;
    this.log = this.log.slice(this.firstAfter(target));
  }

  async compactedRevision(): Promise<number> {
    this.check();
    return this.compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll(new StoreClosedError());
  }

  private commit(event: WatchEvent): void {
    this.revision = event.revision;
    if (event.type === 'put') this.latest.set(event.key, event.value);
    else this.latest.delete(event.key);
    this.log.push(event);
    this.hub.publish([event]);
  }

  /** The key space as of `revision`, rebuilt by undoing later events. */
  private stateAt(revision: number): Map<string, StoredValue> {
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    if (revision > this.revision) throw new Error(`revision ${revision} is in the future (current ${this.revision})`);
    if (revision === this.revision) return this.latest;
    const state = new Map(this.latest);
    for (let i = this.log.length - 1; i >= 0 && this.log[i].revision > revision; i--) {
      const e = this.log[i];
      if (e.type === 'delete') state.set(e.key, e.value);
      else if (e.previous) state.set(e.key, e.previous);
      else state.delete(e.key);
    }
    return state;
  }

  private readLog(prefix: string, after: number, upTo: number, limit: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    for (let i = this.firstAfter(after); i < this.log.length && out.length < limit; i++) {
      const e = this.log[i];
      if (e.revision > upTo) break;
      if (e.key.startsWith(prefix)) out.push(e);
    }
    return out;
  }

  /** Index of the first log entry with revision > `revision` (binary search). */
  private firstAfter(revision: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid].revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private check(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** Opens an empty in-memory store. */
export function openMemoryStore(): MemoryStore {
  return new MemoryStore();
}
