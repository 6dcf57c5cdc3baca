import type {
  DeleteResult,
  ListOptions,
  ListResult,
  Store,
  StoredValue,
  Watch,
  WatchEvent,
  WatchOptions,
  WriteResult,
} from '../store.js';
import type { EncryptionConfig, KeyTransformers } from './encryption-config.js';
import { ENCRYPTED_PREFIX } from './providers.js';

/** How the stored values under the configured resources are written: counts per provider key. */
export interface EncryptionStatus {
  /** `<provider>:<key name>` of the key new writes use, or `identity`. */
  writeKey: string;
  /** Stored values per `<provider>:<key name>` (`identity` for plain ones), over the configured resources. */
  valuesByKey: Record<string, number>;
}

const PREFIX_BYTES = Buffer.from(ENCRYPTED_PREFIX);

/**
 * Encryption at rest as a Store in front of another: values of the configured resources are
 * encrypted on the way in and decrypted on the way out (gets, lists, watch events, conflict and
 * delete results), everything else passes through untouched. Kubernetes does the same below its
 * storage layer, so the watch cache, the REST code and write workers never see ciphertext.
 */
export class EncryptedStore implements Store {
  private config: EncryptionConfig;
  /** forKey answers per `/registry/<group>/<resource>/` prefix, memoized (the config is small, keys are many). */
  private memo = new Map<string, KeyTransformers | undefined>();

  constructor(
    private readonly inner: Store,
    config: EncryptionConfig,
  ) {
    this.config = config;
  }

  /** Switches to a new configuration: new writes use its first key, reads accept its keys. */
  reload(config: EncryptionConfig): void {
    this.config = config;
    this.memo = new Map();
  }

  // Keys of resources the configuration does not name go straight through: no copies, no extra promise.

  get(key: string): Promise<StoredValue | undefined> {
    if (!this.transformersOf(key)) return this.inner.get(key);
    return this.inner.get(key).then((v) => this.opened(v));
  }

  create(key: string, value: Uint8Array): Promise<WriteResult> {
    if (!this.transformersOf(key)) return this.inner.create(key, value);
    return this.inner.create(key, this.sealed(key, value)).then((r) => this.openedResult(r));
  }

  update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    if (!this.transformersOf(key)) return this.inner.update(key, value, expectedRevision);
    return this.inner.update(key, this.sealed(key, value), expectedRevision).then((r) => this.openedResult(r));
  }

  delete(key: string, expectedRevision?: number): Promise<DeleteResult> {
    if (!this.transformersOf(key)) return this.inner.delete(key, expectedRevision);
    return this.inner
      .delete(key, expectedRevision)
      .then((r) => (r.ok ? { ...r, previous: this.open(r.previous) } : { ...r, current: this.opened(r.current) }));
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, options);
    if (!r.items.some((v) => this.transformersOf(v.key))) return r;
    return { ...r, items: r.items.map((v) => this.open(v)) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  watch(prefix: string, options: WatchOptions): Watch {
    return this.inner.watch(prefix, {
      ...options,
      onEvents: (events) =>
        options.onEvents(
          events.some((e) => this.transformersOf(e.key)) ? events.map((e) => this.openEvent(e)) : events,
        ),
    });
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Counts the stored values of the configured resources by the key they are written with. */
  async status(): Promise<EncryptionStatus> {
    const valuesByKey: Record<string, number> = {};
    let writeKey = 'identity';
    for (const prefix of this.config.explicitPrefixes()) {
      const t = this.transformersOf(`${prefix}x`);
      if (t && t.write.kind !== 'identity') writeKey = `${t.write.kind}:${t.write.keyName}`;
      await this.forEachRaw(prefix, (raw) => {
        const label = this.keyLabelOf(raw.value);
        valuesByKey[label] = (valuesByKey[label] ?? 0) + 1;
      });
    }
    return { writeKey, valuesByKey };
  }

  /**
   * Rewrites every stored value of the configured resources that is not written with its write
   * key (as `kubectl get secrets -A -o json | kubectl replace -f -` does, without the round trip).
   * Each rewrite is a compare-and-swap on the value's revision; a value changed meanwhile was
   * written by the new key already or is read again. Returns how many values were rewritten.
   */
  async reencrypt(): Promise<number> {
    let rewritten = 0;
    for (const prefix of this.config.explicitPrefixes()) {
      const stale: string[] = [];
      await this.forEachRaw(prefix, (raw) => {
        if (!this.writtenWithWriteKey(raw.key, raw.value)) stale.push(raw.key);
      });
      for (const key of stale) {
        for (;;) {
          const raw = await this.inner.get(key);
          if (!raw || this.writtenWithWriteKey(key, raw.value)) break;
          const r = await this.inner.update(key, this.sealed(key, this.open(raw).value), raw.modRevision);
          if (r.ok) {
            rewritten++;
            break;
          }
          if (r.reason === 'not-found') break;
        }
      }
    }
    return rewritten;
  }

  private async forEachRaw(prefix: string, visit: (raw: StoredValue) => void): Promise<void> {
    let startAfter: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await this.inner.list(prefix, { limit: 500, startAfter, revision });
      revision = page.revision;
      for (const raw of page.items) visit(raw);
      if (!page.more || page.items.length === 0) return;
      startAfter = page.items[page.items.length - 1].key;
    }
  }

  private writtenWithWriteKey(key: string, value: Uint8Array): boolean {
    const write = this.transformersOf(key)?.write;
    if (!write) return true;
    return write.kind === 'identity' ? !startsWith(value, PREFIX_BYTES) : startsWith(value, Buffer.from(write.prefix));
  }

  private keyLabelOf(value: Uint8Array): string {
    if (!startsWith(value, PREFIX_BYTES)) return 'identity';
    const [, , kind, , name] = Buffer.from(value.subarray(0, 200)).toString('latin1').split(':', 5);
    return `${kind}:${name}`;
  }

  private transformersOf(key: string): KeyTransformers | undefined {
    const end = nthSlash(key, 4);
    const prefix = end < 0 ? key : key.slice(0, end + 1);
    if (this.memo.has(prefix)) return this.memo.get(prefix);
    const t = this.config.forKey(key);
    this.memo.set(prefix, t);
    return t;
  }

  private sealed(key: string, value: Uint8Array): Uint8Array {
    const write = this.transformersOf(key)?.write;
    if (!write || write.kind === 'identity') return value;
    return Buffer.concat([Buffer.from(write.prefix), write.encrypt(value, key)]);
  }

  private open(v: StoredValue): StoredValue {
    const t = this.transformersOf(v.key);
    return t ? { ...v, value: decrypt(t, v.key, v.value) } : v;
  }

  private opened(v: StoredValue | undefined): StoredValue | undefined {
    return v === undefined ? undefined : this.open(v);
  }

  private openedResult(r: WriteResult): WriteResult {
    return r.ok || !r.current ? r : { ...r, current: this.open(r.current) };
  }

  private openEvent(e: WatchEvent): WatchEvent {
    if (!this.transformersOf(e.key)) return e;
    return { ...e, value: this.open(e.value), previous: e.previous && this.open(e.previous) };
  }
}

/** Decrypts with the reader whose prefix the value carries; identity reads unprefixed values. */
function decrypt(t: KeyTransformers, key: string, value: Uint8Array): Uint8Array {
  const encrypted = startsWith(value, PREFIX_BYTES);
  for (const reader of t.read) {
    if (reader.kind === 'identity') {
      if (!encrypted) return value;
      continue;
    }
    const prefix = Buffer.from(reader.prefix);
    if (startsWith(value, prefix)) return reader.decrypt(value.subarray(prefix.length), key);
  }
  throw new Error(
    encrypted
      ? `${key}: no key of the encryption configuration matches the stored value's prefix`
      : `${key}: stored in plain text but the encryption configuration has no identity provider to read it`,
  );
}

function startsWith(value: Uint8Array, prefix: Uint8Array): boolean {
  if (value.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (value[i] !== prefix[i]) return false;
  return true;
}

function nthSlash(s: string, n: number): number {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = s.indexOf('/', i + 1);
    if (i < 0) return -1;
  }
  return i;
}
