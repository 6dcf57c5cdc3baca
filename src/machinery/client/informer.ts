import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient, WatchHandle } from './kube-client.js';
import type { TypedRef } from '../resources/resource.js';
import { ClientError, isGone } from './client-error.js';
import { backoffDelay, realTimers, type Timers } from './backoff.js';
import { keyOf, objectKey } from './object-key.js';

/** Typed event handlers; an update is only delivered when the resourceVersion changed. */
export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** The last known state of the deleted object (from the DELETED event, or the cache on relist). */
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  log: Logger;
  /** Only this namespace ('' or undefined: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Shrinks each object before it is cached and handed to handlers (e.g. metadata only). */
  transform?(obj: T): T;
  /** List page size (default 500). */
  pageSize?: number;
  /** Backoff after a failed list or a broken watch: base (default 200 ms) doubled up to max (default 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  timers?: Timers;
}

/** Computes the values an object is filed under in one index (client-go's IndexFunc). Pure. */
export type IndexFunc<T extends KubeObject> = (obj: T) => string[];

/** The index every informer keeps: objects by metadata.namespace ('' for cluster-scoped ones). */
export const NAMESPACE_INDEX = 'namespace';

/** A watch that stays open less than this counts as a failure for backoff purposes. */
const SHORT_WATCH_MS = 1000;

/**
 * List-then-watch cache of one resource (client-go's reflector + indexer + shared informer, in one).
 * start() lists (in pages), fills the cache keyed `namespace/name`, then watches from the list's
 * resourceVersion with bookmarks; a clean watch end re-watches from the last seen version; a 410
 * relists; a broken watch or failed list relists after exponential backoff. A relist delivers the
 * difference to the handlers (adds, updates, deletes), so handlers never miss a deletion.
 * Cached objects are shared: callers must not mutate them (clone first).
 *
 * Indexes (client-go's Indexer): every informer files its objects by namespace, so list(ns) does
 * not scan; addIndex() adds more (e.g. pods by spec.nodeName) and byIndex() reads them. Indexes
 * follow every change to the cache (watch events and relists) before handlers are called.
 */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  // Stored as a method type so that an Informer<Pod objects> still passes where an Informer of
  // KubeObject is expected (handlers are method-typed for the same reason).
  private readonly indexers = new Map<string, { index(obj: T): string[] }['index']>();
  /** index name -> indexed value -> keys of the objects filed under it (in insertion order). */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private readonly syncWaiters: (() => void)[] = [];
  private synced = false;
  private stopped = false;
  private started = false;
  private rv = '';
  private currentWatch?: WatchHandle;
  private loop?: Promise<void>;
  private wakeSleep?: () => void;
  private readonly timers: Timers;

  constructor(
    private readonly client: KubeClient,
    readonly resource: TypedRef<T>,
    private readonly opts: InformerOptions<T>,
  ) {
    this.timers = opts.timers ?? realTimers;
    this.addIndex(NAMESPACE_INDEX, (obj) => [obj.metadata.namespace ?? '']);
  }

  /**
   * Adds an index: `fn` gives the values an object is filed under (none: not indexed). Objects
   * already cached are indexed at once. Adding a name twice with the same function is a no-op
   * (shared informers get the same index from several controllers); with another function it throws.
   */
  addIndex(name: string, fn: IndexFunc<T>): void {
    const existing = this.indexers.get(name);
    if (existing === fn) return;
    if (existing) throw new Error(`informer ${this.resource.plural}: index ${name} already exists`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.cache) for (const v of fn(obj)) fileUnder(index, v, key);
  }

  /** True when an index of this name exists. */
  hasIndex(name: string): boolean {
    return this.indexers.has(name);
  }

  /** Cached objects filed under `value` in index `name` (client-go's ByIndex). Throws for an unknown index. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`informer ${this.resource.plural}: no index ${name}`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.cache.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /**
   * Registers handlers. When the cache already holds objects, onAdd is called for each at once
   * (so a late subscriber sees the same world). Returns an unsubscribe function.
   */
  addHandlers(h: InformerHandlers<T>): () => void {
    this.handlers.add(h);
    for (const obj of this.cache.values()) this.call(() => h.onAdd?.(obj));
    return () => {
      this.handlers.delete(h);
    };
  }

  /** Starts the list/watch loop (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop = this.run();
  }

  /** Stops watching; the cache keeps its last state. Resolves when the loop has ended. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.currentWatch?.stop();
    this.wakeSleep?.();
    for (const w of this.syncWaiters.splice(0)) w();
    await this.loop;
  }

  /** True once the first full list has been delivered to the cache and handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced (or stopped). */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(keyOf(this.resource.namespaced ? namespace : '', name));
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Cached objects, optionally only one namespace's (read from the namespace index). */
  list(namespace?: string): T[] {
    return namespace ? this.byIndex(NAMESPACE_INDEX, namespace) : [...this.cache.values()];
  }

  get size(): number {
    return this.cache.size;
  }

  /** The last resourceVersion seen (list, event or bookmark). */
  get lastSyncResourceVersion(): string {
    return this.rv;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const started = Date.now();
        const outcome = await this.watchOnce();
        if (outcome === 'gone') {
          needList = true;
          failures = 0;
          continue;
        }
        if (Date.now() - started < SHORT_WATCH_MS)
          await this.sleep(backoffDelay(failures++, this.minBackoff, this.maxBackoff));
        else failures = 0;
      } catch (err) {
        if (this.stopped) break;
        needList = true;
        const delay = backoffDelay(failures++, this.minBackoff, this.maxBackoff);
        this.opts.log.warn(
          { resource: this.resource.plural, err: describe(err), retryInMs: delay },
          'informer: list/watch failed; relisting after backoff',
        );
        await this.sleep(delay);
      }
    }
  }

  private get minBackoff(): number {
    return this.opts.minBackoffMs ?? 200;
  }
  private get maxBackoff(): number {
    return this.opts.maxBackoffMs ?? 30_000;
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list(this.resource, this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: this.opts.pageSize ?? 500,
        continue: cont,
      });
      for (const item of page.items) items.push(this.shape(item));
      rv = page.metadata.resourceVersion ?? rv;
      cont = page.metadata.continue || undefined;
    } while (cont && !this.stopped);
    if (this.stopped) return;
    this.replace(items);
    this.rv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Swaps in a full listing, delivering the differences. */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.remove(key);
      this.emit((h) => h.onDelete?.(old));
    }
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    this.reindex(key, old, obj);
    if (!old) this.emit((h) => h.onAdd?.(obj));
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
  }

  private watchOnce(): Promise<'gone' | 'ended'> {
    let gone = false;
    let failure: ClientError | undefined;
    const handle = this.client.watch(
      this.resource,
      this.opts.namespace,
      {
        resourceVersion: this.rv,
        allowWatchBookmarks: true,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      (ev) => {
        if (this.stopped) return;
        switch (ev.type) {
          case 'ADDED':
          case 'MODIFIED': {
            const obj = this.shape(ev.object);
            this.upsert(objectKey(obj), obj);
            this.noteVersion(obj.metadata.resourceVersion);
            break;
          }
          case 'DELETED': {
            const obj = this.shape(ev.object);
            const key = objectKey(obj);
            const old = this.remove(key);
            if (old) this.emit((h) => h.onDelete?.(obj));
            this.noteVersion(obj.metadata.resourceVersion);
            break;
          }
          case 'BOOKMARK':
            this.noteVersion(ev.object.metadata.resourceVersion);
            break;
          case 'ERROR':
            if (isGone(new ClientError(ev.status))) gone = true;
            else failure = new ClientError(ev.status);
            handle.stop();
            break;
        }
      },
    );
    this.currentWatch = handle;
    if (this.stopped) handle.stop();
    return handle.done.then(
      () => {
        if (failure) throw failure;
        return gone ? 'gone' : 'ended';
      },
      (err: unknown) => {
        if (isGone(err)) return 'gone';
        throw err;
      },
    );
  }

  /** Drops an object from the cache and its indexes; returns what was cached. */
  private remove(key: string): T | undefined {
    const old = this.cache.get(key);
    if (!old) return undefined;
    this.cache.delete(key);
    this.reindex(key, old, undefined);
    return old;
  }

  /** Moves `key` from the index values of `old` to those of `obj`; values both share keep their place. */
  private reindex(key: string, old: T | undefined, obj: T | undefined): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name);
      if (!index) continue;
      const before = old ? fn(old) : [];
      const after = obj ? fn(obj) : [];
      for (const v of before) if (!after.includes(v)) unfile(index, v, key);
      for (const v of after) fileUnder(index, v, key);
    }
  }

  private noteVersion(rv: string | undefined): void {
    if (rv) this.rv = rv;
  }

  private shape(obj: KubeObject): T {
    // The server's objects are of the resource's type: this cast is the informer's contract.
    const typed = obj as T;
    return this.opts.transform ? this.opts.transform(typed) : typed;
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log.error({ resource: this.resource.plural, err: describe(err) }, 'informer: event handler threw');
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.timers.setTimeout(() => {
        this.wakeSleep = undefined;
        resolve();
      }, ms);
      this.wakeSleep = () => {
        this.timers.clearTimeout(handle);
        this.wakeSleep = undefined;
        resolve();
      };
    });
  }
}

function fileUnder(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (keys) keys.add(key);
  else index.set(value, new Set([key]));
}

function unfile(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
