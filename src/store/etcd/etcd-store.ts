import { Etcd3, type IKeyValue, type IRangeRequest, type Watcher } from 'etcd3';
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
import { StoreClosedError } from '../store-closed-error.js';

/** Options of openEtcdStore. */
export interface EtcdStoreOptions {
  /** Client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** Prepended to every key, so several clusters (or test runs) can share one etcd. Default ''. */
  prefix?: string;
  /** Client TLS (https:// endpoints): the CA that signed etcd's certificate, and our client certificate. */
  tls?: EtcdClientTls;
}

/** PEM material of an etcd client that speaks TLS with client certificates (etcd's --client-cert-auth). */
export interface EtcdClientTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * The Store on etcd v3, for several API servers sharing one cluster. Each Store call is one etcd
 * request: compare-and-swap writes are transactions (create: createRevision == 0; update and
 * delete: modRevision == expected), reads are linearizable ranges, watches are etcd watches
 * starting at afterRevision + 1 with previous values. Revisions are etcd's own (cluster-wide,
 * shared with anything else in that etcd).
 */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly watches = new Set<{ fail(err: Error): void }>();
  /** A lower bound of etcd's compacted revision (it only grows). */
  private knownCompacted = 0;
  private closed = false;

  constructor(options: EtcdStoreOptions) {
    if (options.endpoints.length === 0) throw new TypeError('etcd store: at least one endpoint is required');
    this.client = new Etcd3({
      hosts: options.endpoints,
      // A full list of a large resource easily exceeds gRPC's default 4 MiB reply limit
      // (10,000 pods of 1.5 KB = 15 MB); kube-apiserver lifts the limit the same way.
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
      ...(options.tls
        ? {
            credentials: {
              rootCertificate: Buffer.from(options.tls.caPem),
              certChain: Buffer.from(options.tls.certPem),
              privateKey: Buffer.from(options.tls.keyPem),
            },
          }
        : {}),
    });
    this.prefix = options.prefix ?? '';
  }

  async get(key: string): Promise<StoredValue | undefined> {
    this.check();
    const res = await this.client.kv.range({ key: this.k(key) });
    return res.kvs[0] && this.stored(res.kvs[0]);
  }

  async create(key: string, value: Uint8Array): Promise<WriteResult> {
    this.check();
    const k = this.k(key);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: bytes(value) } }],
      failure: [{ request_range: { key: k } }],
    });
    if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    return { ok: false, reason: 'exists', current: kv && this.stored(kv) };
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    this.check();
    const k = this.k(key);
    const res = await this.client.kv.txn({
      compare: [
        { key: k, target: 'Version', result: 'Greater', version: 0 },
        { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
      ],
      success: [{ request_put: { key: k, value: bytes(value) } }],
      failure: [{ request_range: { key: k } }],
    });
    if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs[0];
    return kv ? { ok: false, reason: 'conflict', current: this.stored(kv) } : { ok: false, reason: 'not-found' };
  }

  async delete(key: string, expectedRevision?: number): Promise<DeleteResult> {
    this.check();
    const k = this.k(key);
    if (expectedRevision === undefined) {
      const res = await this.client.kv.deleteRange({ key: k, prev_kv: true });
      const prev = res.prev_kvs[0];
      if (Number(res.deleted) === 0 || !prev) return { ok: false, reason: 'not-found' };
      return { ok: true, revision: Number(res.header.revision), previous: this.stored(prev) };
    }
    const res = await this.client.kv.txn({
      compare: [
        { key: k, target: 'Version', result: 'Greater', version: 0 },
        { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
      ],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (res.succeeded) {
      const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
      if (prev) return { ok: true, revision: Number(res.header.revision), previous: this.stored(prev) };
      throw new Error(`etcd delete of ${key} succeeded without a previous value`);
    }
    const kv = res.responses[0]?.response_range?.kvs[0];
    return kv ? { ok: false, reason: 'conflict', current: this.stored(kv) } : { ok: false, reason: 'not-found' };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.check();
    const start = this.k(prefix);
    const after = options.startAfter !== undefined ? this.k(options.startAfter) : undefined;
    const req: IRangeRequest = {
      key: after && Buffer.compare(after, start) >= 0 ? Buffer.concat([after, Buffer.from([0])]) : start,
      range_end: this.end(prefix),
    };
    if (options.limit && options.limit > 0) req.limit = options.limit;
    if (options.revision !== undefined) req.revision = options.revision;
    const res = await this.readAt(req, options.revision);
    return {
      items: res.kvs.map((kv) => this.stored(kv)),
      revision: options.revision ?? Number(res.header.revision),
      more: res.more,
    };
  }

  async count(prefix: string): Promise<number> {
    this.check();
    const start = this.k(prefix);
    const res = await this.client.kv.range({ key: start, range_end: this.end(prefix), count_only: true });
    return Number(res.count);
  }

  watch(prefix: string, options: WatchOptions): Watch {
    if (this.closed) {
      setImmediate(() => options.onError(new StoreClosedError()));
      return { cancel: () => undefined };
    }
    const start = this.k(prefix);
    let last = options.afterRevision;
    let done = false;
    const watcher: Watcher = this.client
      .watch()
      .inRange({ start, end: this.end(prefix) })
      .startRevision(String(last + 1))
      .withPreviousKV()
      .watcher();
    // The etcd3 client resumes a broken stream from the last response header's revision + 1, which
    // can skip events a catching-up watch has not been sent yet; resume after our last event instead.
    const pinResume = (): void => {
      watcher.request.start_revision = last + 1;
    };
    const entry = {
      fail: (err: Error): void => {
        if (done) return;
        stop();
        options.onError(err);
      },
    };
    const stop = (): void => {
      done = true;
      this.watches.delete(entry);
      watcher.cancel().catch(() => undefined);
    };
    this.watches.add(entry);
    watcher.on('connected', pinResume);
    watcher.on('data', (res) => {
      if (done) return;
      const events: WatchEvent[] = [];
      for (const e of res.events) {
        const revision = Number(e.kv.mod_revision);
        if (revision <= last) continue; // replayed after a reconnect
        events.push(this.event(e.type, e.kv, e.prev_kv, revision));
        last = revision;
      }
      pinResume();
      if (events.length === 0) return;
      try {
        options.onEvents(events);
      } catch (err) {
        entry.fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    watcher.on('error', (err: Error) => {
      if (done) return;
      // etcd cancels a watch whose start was compacted; its reason text is not reliable, so check.
      this.compactedRevision().then(
        (compacted) => entry.fail(last + 1 < compacted ? new CompactedError(options.afterRevision, compacted) : err),
        () => entry.fail(err),
      );
    });
    return { cancel: () => (done ? undefined : stop()) };
  }

  async currentRevision(): Promise<number> {
    this.check();
    const res = await this.client.kv.range({ key: this.k(''), count_only: true });
    return Number(res.header.revision);
  }

  /** Compacts etcd (the whole cluster, not just this prefix) to min(revision, current). */
  async compact(revision: number): Promise<void> {
    this.check();
    const target = Math.min(revision, await this.currentRevision());
    if (target <= this.knownCompacted) return;
    try {
      await this.client.kv.compact({ revision: target, physical: false });
    } catch (err) {
      if (!isCompactedError(err)) throw err;
    }
    this.knownCompacted = Math.max(this.knownCompacted, target);
  }

  /**
   * etcd does not report its compacted revision directly: find the oldest readable revision by
   * binary search over ranges at a revision (a few cheap requests), starting from the last known.
   * 0 when nothing was compacted.
   */
  async compactedRevision(): Promise<number> {
    this.check();
    let lo = Math.max(this.knownCompacted, 1);
    let hi = await this.currentRevision();
    if (await this.readable(lo)) return lo <= 1 ? 0 : lo;
    while (lo + 1 < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readable(mid)) hi = mid;
      else lo = mid;
    }
    this.knownCompacted = hi;
    return hi;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.fail(new StoreClosedError());
    this.client.close();
  }

  private async readable(revision: number): Promise<boolean> {
    try {
      await this.client.kv.range({ key: this.k(''), count_only: true, revision });
      return true;
    } catch (err) {
      if (isCompactedError(err)) return false;
      throw err;
    }
  }

  private async readAt(req: IRangeRequest, revision: number | undefined): ReturnType<Etcd3['kv']['range']> {
    try {
      return await this.client.kv.range(req);
    } catch (err) {
      if (revision !== undefined && isCompactedError(err)) {
        throw new CompactedError(revision, await this.compactedRevision());
      }
      throw err;
    }
  }

  private event(type: string, kv: IKeyValue, prev: IKeyValue | undefined, revision: number): WatchEvent {
    const key = this.unprefix(kv.key);
    const previous = prev?.key && prev.key.length > 0 ? this.stored(prev) : undefined;
    if (type === 'Delete') {
      const value = previous ?? {
        key,
        value: new Uint8Array(0),
        createRevision: Number(kv.create_revision),
        modRevision: revision,
      };
      return { type: 'delete', key, value, revision };
    }
    const value = this.stored(kv);
    return previous ? { type: 'put', key, value, previous, revision } : { type: 'put', key, value, revision };
  }

  private stored(kv: IKeyValue): StoredValue {
    return {
      key: this.unprefix(kv.key),
      value: kv.value ?? new Uint8Array(0),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  /** The etcd key for a store key; etcd rejects an empty key, so '' becomes "\0" (the lowest key). */
  private k(key: string): Buffer {
    const full = this.prefix + key;
    return full.length === 0 ? Buffer.from([0]) : Buffer.from(full, 'utf8');
  }

  /** range_end covering every key that starts with prefix (all keys for an empty full prefix). */
  private end(prefix: string): Buffer {
    const full = this.prefix + prefix;
    return full.length === 0 ? Buffer.from([0]) : prefixEndBytes(Buffer.from(full, 'utf8'));
  }

  private unprefix(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length);
  }

  private check(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** Opens a client to etcd (connections are made lazily on first request). The caller must close() it. */
export function openEtcdStore(options: EtcdStoreOptions): EtcdStore {
  return new EtcdStore(options);
}

/** etcd's range_end for "every key starting with prefix": the prefix with its last byte below 0xff incremented. */
function prefixEndBytes(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i] += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // no upper bound: all keys >= prefix
}

function bytes(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /compacted/i.test(err.message);
}
