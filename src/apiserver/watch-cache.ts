import type { Store, StoredValue, Watch, WatchEvent } from '../store/store.js';
import type { KubeObject } from '../api/object.js';
import type { RowMemo } from './rest/table-row-memo.js';

/**
 * The API server's in-memory view of the store: the latest state of every object and a ring of
 * recent events, fed by one store watch over `/registry/`. Lists and watches are served from here so
 * that a thousand watchers cost one store watch, and each event is serialised once per form
 * (the `lines` memo on CachedEvent), not once per watcher.
 *
 *   store.watch('/registry/') --> apply(batch) --> objects (per resource prefix)
 *                                           \--> ring of CachedEvents --> subscribers
 */

/** One object as cached: its JSON bytes with resourceVersion set, and what selectors need. */
export interface CachedObject {
  key: string;
  /** Storage prefix of its resource, e.g. `/registry/apps/deployments/`. */
  prefix: string;
  namespace: string;
  name: string;
  revision: number;
  /** The stored object's JSON with `metadata.resourceVersion` set, as bytes: lists and watches
   *  send them as they are (no re-encoding), and they live outside the V8 heap. */
  bytes: Buffer;
  labels: Record<string, string>;
  /** Selectable fields (metadata.name, metadata.namespace and the kind's own). */
  fields: Record<string, string>;
  /** Rendered table rows of this version, by form (see rest/table-row-memo.ts). */
  rows?: Map<string, RowMemo>;
  /** A freshly parsed copy of the object (callers may mutate it). Only the bytes are held, to keep memory low. */
  object(): KubeObject;
}

export interface CachedEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  revision: number;
  current: CachedObject;
  /** The state before a MODIFIED or DELETED, when known (selector transitions need it). */
  previous?: CachedObject;
  /** When the cache received it (ms since the epoch), for the age limit. */
  at: number;
  /** Serialisations of this event keyed by form (e.g. `json:apps/v1`), made by the watch server on first use. */
  lines?: Map<string, Buffer>;
}

export interface Subscriber {
  prefix: string;
  onEvents(events: CachedEvent[]): void;
  /** The cache cannot continue (store watch failed): the subscriber must end its stream. */
  onClose(reason: Error): void;
}

/** What the cache keeps beside an object's bytes, for a writer that has no object at hand (see expect). */
export interface ObjectSummary {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** As WatchCacheOptions.fieldsOf gives them. */
  fields: Record<string, string>;
}

export interface WatchCacheOptions {
  store: Store;
  /** Selectable fields of an object, keyed by field path. */
  fieldsOf(prefix: string, obj: KubeObject): Record<string, string>;
  /** How many events to keep for watch resumption (default 20,000). */
  eventCapacity?: number;
  /** At most this many bytes of object JSON held by kept events (default 64 MiB): a burst of
   *  deletes keeps every deleted object alive in the ring, so bound it by size too. */
  eventBytes?: number;
  /** Events older than this are forgotten (default 75 s, kube's eventFreshDuration), so history
   *  from a burst does not stay in memory. Watch bookmarks (every 30 s) keep clients resumable. */
  eventMaxAgeMs?: number;
  now?: () => number;
}

export class WatchCache {
  private readonly byPrefix = new Map<string, Map<string, CachedObject>>();
  private readonly sortedKeys = new Map<string, string[] | undefined>();
  private readonly ring: CachedEvent[] = [];
  private ringStart = 0;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private storeWatch: Watch | undefined;
  private _revision = 0;
  private _ready = false;
  private readonly capacity: number;
  private readonly maxBytes: number;
  /** Bytes of object JSON referenced by the live part of the ring (shared objects counted once per event). */
  private ringBytes = 0;
  /** Revision of the newest forgotten event (or of the initial load): watches resume only from here on. */
  private floor = 0;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private ageTimer?: NodeJS.Timeout;
  /** Objects a writer in this process is about to store, so their events need no re-parse. */
  private readonly expected = new Map<string, { bytes: Uint8Array; source: KubeObject | ObjectSummary }>();

  constructor(private readonly options: WatchCacheOptions) {
    this.capacity = options.eventCapacity ?? 20000;
    this.maxBytes = options.eventBytes ?? 64 * 1024 * 1024;
    this.maxAgeMs = options.eventMaxAgeMs ?? 75_000;
    this.now = options.now ?? Date.now;
  }

  get revision(): number {
    return this._revision;
  }
  get ready(): boolean {
    return this._ready;
  }

  /** Loads every object, then follows the store. Resolves once loaded. */
  async start(): Promise<void> {
    const { store } = this.options;
    let startAfter: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await store.list('/registry/', { limit: 1000, startAfter, revision });
      revision = page.revision;
      for (const item of page.items) this.put(item);
      if (!page.more || page.items.length === 0) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    this._revision = revision ?? 0;
    this.floor = this._revision;
    if (!this.ageTimer) {
      // An idle cluster gets no events to trim on, so age out old ones on a timer too.
      this.ageTimer = setInterval(() => this.trimRing(), Math.min(10_000, this.maxAgeMs));
      this.ageTimer.unref();
    }
    this.storeWatch = store.watch('/registry/', {
      afterRevision: this._revision,
      onEvents: (events) => this.apply(events),
      onError: (err) => this.fail(err),
    });
    this._ready = true;
  }

  stop(): void {
    if (this.ageTimer) clearInterval(this.ageTimer);
    this.ageTimer = undefined;
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
  }

  /** Resolves once the cache has seen every write up to `revision` (or after `timeoutMs`, returning false). */
  waitFor(revision: number, timeoutMs = 5000): Promise<boolean> {
    if (this._revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, timeoutMs);
      this.waiters.push({
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  /**
   * Tells the cache the object behind bytes about to be written to `key` (same process), so the
   * event for that write reuses it instead of parsing the JSON again. Returns a function that
   * forgets the hint (call it once the write has finished, whatever its outcome). A writer that
   * never held the object (a write worker prepared the bytes) gives its summary instead.
   */
  expect(key: string, bytes: Uint8Array, source: KubeObject | ObjectSummary): () => void {
    const hint = { bytes, source };
    this.expected.set(key, hint);
    return () => {
      if (this.expected.get(key) === hint) this.expected.delete(key);
    };
  }

  /** Objects under `prefix` (a resource prefix, optionally with `<namespace>/`), in key order. */
  list(resourcePrefix: string, namespace: string): CachedObject[] {
    const objects = this.byPrefix.get(resourcePrefix);
    if (!objects) return [];
    let keys = this.sortedKeys.get(resourcePrefix);
    if (!keys) {
      keys = [...objects.keys()].sort();
      this.sortedKeys.set(resourcePrefix, keys);
    }
    const out: CachedObject[] = [];
    if (namespace === '') {
      for (const k of keys) out.push(objects.get(k) as CachedObject);
      return out;
    }
    const nsPrefix = `${resourcePrefix}${namespace}/`;
    let i = lowerBound(keys, nsPrefix);
    for (; i < keys.length && keys[i].startsWith(nsPrefix); i++) out.push(objects.get(keys[i]) as CachedObject);
    return out;
  }

  /** How many objects are under a resource prefix (all namespaces): a cheap "are there any" for per-request checks. */
  count(resourcePrefix: string): number {
    return this.byPrefix.get(resourcePrefix)?.size ?? 0;
  }

  get(key: string): CachedObject | undefined {
    return this.byPrefix.get(resourcePrefixOf(key))?.get(key);
  }

  /**
   * Events after `revision` for a resource prefix. Undefined when that history is no longer held
   * (the caller answers 410 Gone). Subscribing right after this call misses nothing: both happen in
   * one synchronous turn.
   */
  eventsSince(resourcePrefix: string, revision: number): CachedEvent[] | undefined {
    if (revision < this.floor && revision < this._revision) return undefined;
    const out: CachedEvent[] = [];
    let i = this.ringStart;
    // Binary search for the first event after `revision`.
    let hi = this.ring.length;
    while (i < hi) {
      const mid = (i + hi) >>> 1;
      if (this.ring[mid].revision <= revision) i = mid + 1;
      else hi = mid;
    }
    for (; i < this.ring.length; i++) if (this.ring[i].current.prefix === resourcePrefix) out.push(this.ring[i]);
    return out;
  }

  subscribe(sub: Subscriber): () => void {
    let set = this.subscribers.get(sub.prefix);
    if (!set) {
      set = new Set();
      this.subscribers.set(sub.prefix, set);
    }
    set.add(sub);
    return () => {
      set?.delete(sub);
    };
  }

  subscriberCount(): number {
    let n = 0;
    for (const s of this.subscribers.values()) n += s.size;
    return n;
  }

  private apply(events: WatchEvent[]): void {
    const out = new Map<string, CachedEvent[]>();
    const at = this.now();
    for (const ev of events) {
      const prefix = resourcePrefixOf(ev.key);
      const previous = this.get(ev.key);
      let cached: CachedEvent;
      if (ev.type === 'put') {
        const current = this.put(ev.value);
        cached = { type: previous ? 'MODIFIED' : 'ADDED', revision: ev.revision, current, previous, at };
      } else {
        const current = this.entry(ev.value, ev.revision);
        this.byPrefix.get(prefix)?.delete(ev.key);
        this.sortedKeys.set(prefix, undefined);
        cached = { type: 'DELETED', revision: ev.revision, current, previous, at };
      }
      this.ring.push(cached);
      this.ringBytes += eventBytes(cached);
      let list = out.get(prefix);
      if (!list) {
        list = [];
        out.set(prefix, list);
      }
      list.push(cached);
      this._revision = Math.max(this._revision, ev.revision);
    }
    this.trimRing();
    for (const [prefix, list] of out) {
      for (const sub of this.subscribers.get(prefix) ?? []) {
        try {
          sub.onEvents(list);
        } catch {
          /* a broken subscriber must not stop the others */
        }
      }
    }
    if (this.waiters.length > 0) {
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i].revision <= this._revision) {
          this.waiters[i].resolve();
          this.waiters.splice(i, 1);
        }
      }
    }
  }

  private fail(err: Error): void {
    this._ready = false;
    for (const set of this.subscribers.values()) for (const sub of set) sub.onClose(err);
    this.subscribers.clear();
    // Reload from scratch: a compacted or broken store watch leaves no other way to be sure.
    this.byPrefix.clear();
    this.sortedKeys.clear();
    this.ring.length = 0;
    this.ringStart = 0;
    this.ringBytes = 0;
    setTimeout(() => {
      this.start().catch(() => undefined);
    }, 100);
  }

  private trimRing(): void {
    const tooOld = this.now() - this.maxAgeMs;
    while (
      this.ring.length > this.ringStart &&
      (this.ring.length - this.ringStart > this.capacity ||
        (this.ringBytes > this.maxBytes && this.ring.length - this.ringStart > 1) ||
        this.ring[this.ringStart].at < tooOld)
    ) {
      const dropped = this.ring[this.ringStart];
      this.ringBytes -= eventBytes(dropped);
      this.floor = Math.max(this.floor, dropped.revision);
      this.ringStart++;
    }
    // Drop the forgotten head in one splice now and then, not on every event.
    if (this.ringStart === this.ring.length) {
      this.ring.length = 0;
      this.ringStart = 0;
    } else if (this.ringStart > 1024 && this.ringStart > this.ring.length >> 1) {
      this.ring.splice(0, this.ringStart);
      this.ringStart = 0;
    }
  }

  private put(value: StoredValue): CachedObject {
    const entry = this.entry(value, value.modRevision);
    let objects = this.byPrefix.get(entry.prefix);
    if (!objects) {
      objects = new Map();
      this.byPrefix.set(entry.prefix, objects);
    }
    if (!objects.has(entry.key)) this.sortedKeys.set(entry.prefix, undefined);
    objects.set(entry.key, entry);
    return entry;
  }

  private entry(value: StoredValue, revision: number): CachedObject {
    const stored = Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength);
    const hint = this.expected.get(value.key);
    const prefix = resourcePrefixOf(value.key);
    let obj: KubeObject;
    let bytes: Buffer;
    if (hint && stored.equals(hint.bytes)) {
      // Written by this process a moment ago: no parse, the resourceVersion is spliced into the bytes.
      bytes = bytesWithResourceVersion(stored, revision);
      const s = hint.source;
      if (!('metadata' in s)) {
        return {
          key: value.key,
          prefix,
          revision,
          bytes,
          namespace: s.namespace,
          name: s.name,
          labels: s.labels,
          fields: s.fields,
          object: () => JSON.parse(bytes.toString('utf8')) as KubeObject,
        };
      }
      obj = s;
    } else {
      obj = JSON.parse(stored.toString('utf8')) as KubeObject;
      if (startsWithMetadata(obj)) {
        bytes = bytesWithResourceVersion(stored, revision);
      } else {
        obj.metadata = obj.metadata ?? {};
        obj.metadata.resourceVersion = String(revision);
        bytes = ownBuffer(Buffer.from(JSON.stringify(obj)));
      }
    }
    const fields = this.options.fieldsOf(prefix, obj);
    return {
      key: value.key,
      prefix,
      revision,
      bytes,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
      labels: obj.metadata.labels ?? {},
      fields,
      object: () => JSON.parse(bytes.toString('utf8')) as KubeObject,
    };
  }
}

const METADATA_OPEN = Buffer.from('"metadata":{');

/** The object bytes an event keeps alive (an upper bound: the current state is often shared with the map). */
function eventBytes(ev: CachedEvent): number {
  return ev.current.bytes.length + (ev.previous?.bytes.length ?? 0);
}

/** encodeObject's bytes (metadata first, no resourceVersion) with `metadata.resourceVersion` added. */
function bytesWithResourceVersion(stored: Buffer, revision: number): Buffer {
  const at = stored.indexOf(METADATA_OPEN);
  if (at < 0) return ownBuffer(stored);
  const open = at + METADATA_OPEN.length;
  const field = Buffer.from(
    stored[open] === 0x7d ? `"resourceVersion":"${revision}"` : `"resourceVersion":"${revision}",`,
  );
  const out = Buffer.allocUnsafeSlow(stored.length + field.length);
  stored.copy(out, 0, 0, open);
  field.copy(out, open);
  stored.copy(out, open + field.length, open);
  return out;
}

/** A copy in its own memory: small Buffers share 8 KiB pools, and one kept slice would keep its whole pool alive. */
function ownBuffer(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}

/** True when the object's first keys are apiVersion, kind, metadata (as encodeObject writes them) and it has no resourceVersion. */
function startsWithMetadata(obj: KubeObject): boolean {
  let i = 0;
  for (const k in obj) {
    if (k !== ['apiVersion', 'kind', 'metadata'][i]) return false;
    if (++i === 3)
      return typeof obj.metadata === 'object' && obj.metadata !== null && obj.metadata.resourceVersion === undefined;
  }
  return false;
}

/** `/registry/apps/deployments/ns/name` -> `/registry/apps/deployments/` */
export function resourcePrefixOf(key: string): string {
  let slashes = 0;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) === 47 && ++slashes === 4) return key.slice(0, i + 1);
  }
  return key;
}

function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
