import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
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
import { WatchHub } from '../watch-hub.js';
import { applyPragmas, readLastRevision, readMeta, SCHEMA } from './schema.js';
import { type Applied, SqliteLog, type WriteOp } from './sqlite-log.js';
import { resolveSqliteOptions, type ResolvedSqliteStoreOptions, type SqliteStoreOptions } from './sqlite-options.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** A worker checkpoint is asked for after this many writes (a pod write is a few WAL pages: SQLite's own default is every 1,000 pages). */
const WRITES_PER_CHECKPOINT = 300;

interface Pending {
  op: WriteOp;
  resolve(result: Applied['result']): void;
  reject(err: Error): void;
}

/**
 * The embedded Store: one SQLite file, this process its only writer.
 *
 *   create/update/delete --> queue --(setImmediate)--> one transaction per batch --> COMMIT
 *                                                                 |  resolve each write's promise
 *                                                                 v
 *                                        WatchHub.publish(batch events, revision order)
 *
 * Reads run synchronously against committed state. Watches replay from the kv log, then follow
 * commits directly. Compaction deletes superseded rows in small transactions between writes.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly log: SqliteLog;
  private readonly hub: WatchHub;
  private readonly options: ResolvedSqliteStoreOptions;
  private revision: number;
  private compacted: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private writesSinceCheckpoint = 0;
  /** Checkpoints off the writer's thread (file databases); undefined = SQLite's automatic ones. */
  private checkpointer?: WalCheckpointer;
  private writesSinceWorkerCheckpoint = 0;
  private compaction: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private lastTickRevision: number | undefined;

  constructor(options: SqliteStoreOptions) {
    this.options = resolveSqliteOptions(options);
    if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
    this.db = new Database(this.options.path);
    applyPragmas(this.db, this.options);
    this.db.exec(SCHEMA);
    this.log = new SqliteLog(this.db);
    this.revision = readLastRevision(this.db);
    this.compacted = readMeta(this.db, 'compact_revision');
    this.hub = new WatchHub({
      readLog: (prefix, after, upTo, limit) => this.log.readLog(prefix, after, upTo, limit),
      currentRevision: () => this.revision,
      compactedRevision: () => this.compacted,
    });
    // A compaction interrupted by a crash resumes in the background.
    if (readMeta(this.db, 'compact_done') < this.compacted) this.compaction = this.runCompaction(this.compacted);
    if (this.options.path !== ':memory:' && this.options.checkpointWorker) {
      this.checkpointer = new WalCheckpointer(this.options.path);
      this.db.pragma('wal_autocheckpoint = 0');
    }
    if (this.options.checkpointIntervalMs > 0) {
      this.every(this.options.checkpointIntervalMs, () => this.checkpoint());
    }
    const auto = this.options.autoCompact;
    if (auto) this.every(auto.intervalMs, () => this.autoCompactTick(auto.keepRevisions));
  }

  async get(key: string): Promise<StoredValue | undefined> {
    this.check();
    return this.log.get(key);
  }

  create(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.write({ kind: 'create', key, value }) as Promise<WriteResult>;
  }

  update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    return this.write({ kind: 'update', key, value, expectedRevision }) as Promise<WriteResult>;
  }

  delete(key: string, expectedRevision?: number): Promise<DeleteResult> {
    return this.write({ kind: 'delete', key, expectedRevision }) as Promise<DeleteResult>;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.check();
    const current = this.revision;
    const revision = options.revision ?? current;
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    if (revision > current) throw new Error(`revision ${revision} is in the future (current ${current})`);
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const rows = this.log.list(
      prefix,
      options.startAfter,
      limit < 0 ? -1 : limit + 1,
      revision === current ? undefined : revision,
    );
    const more = limit > 0 && rows.length > limit;
    return { items: more ? rows.slice(0, limit) : rows, revision, more };
  }

  async count(prefix: string): Promise<number> {
    this.check();
    return this.log.count(prefix);
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

  /**
   * Marks revisions below `revision` (clamped to the current one) unreadable at once, then deletes
   * superseded rows and tombstones in batches, yielding to writers between batches. Resolves when
   * the rows are gone. Compacting to or below the compacted revision is a no-op.
   */
  compact(revision: number): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return this.compaction;
    this.compacted = target;
    this.db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('compact_revision', ?)").run(target);
    this.compaction = this.compaction.then(() => this.runCompaction(target));
    return this.compaction;
  }

  async compactedRevision(): Promise<number> {
    this.check();
    return this.compacted;
  }

  /** Acknowledges queued writes, ends watches, stops timers and compaction, checkpoints and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.hub.closeAll(new StoreClosedError());
    await this.compaction.catch(() => undefined);
    await this.checkpointer?.close();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }

  /** Runs `PRAGMA wal_checkpoint`: PASSIVE after writes (never waits for anyone), TRUNCATE when idle. */
  checkpoint(): void {
    if (this.closed) return;
    const mode = this.writesSinceCheckpoint > 0 ? 'PASSIVE' : 'TRUNCATE';
    this.writesSinceCheckpoint = 0;
    if (this.checkpointer) this.checkpointInWorker(mode);
    else this.db.pragma(`wal_checkpoint(${mode})`);
  }

  private write(op: WriteOp): Promise<Applied['result']> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.options.groupCommit) {
        this.flush();
      } else if (!this.flushScheduled) {
        // Every write of an event-loop turn shares one transaction at setImmediate (a lone writer
        // waits microseconds). Committing the first write of a turn at once, as before, made one
        // transaction per request under load: each commit writes its B-tree pages to the WAL again.
        this.flushScheduled = true;
        setImmediate(this.flushTurn);
      }
    });
  }

  /** Commits everything queued, in batches of at most maxBatch writes. */
  private flush(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.commitBatch(batch);
    }
  }

  private readonly flushTurn = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private readonly runBatch = (batch: Pending[]): { applied: Applied[]; last: number } => {
    let next = this.revision;
    const applied = batch.map((p) => {
      const a = this.log.apply(p.op, next + 1);
      if (a.event) next += 1;
      return a;
    });
    return { applied, last: next };
  };

  private commitBatch(batch: Pending[]): void {
    let outcome: { applied: Applied[]; last: number };
    try {
      outcome = this.db.transaction(this.runBatch).immediate(batch);
    } catch (err) {
      // One bad write must not fail its neighbours: retry them one transaction each.
      if (batch.length > 1) {
        for (const p of batch) this.commitBatch([p]);
      } else {
        batch[0].reject(err instanceof Error ? err : new Error(String(err)));
      }
      return;
    }
    this.revision = outcome.last;
    const events: WatchEvent[] = [];
    outcome.applied.forEach((a, i) => {
      if (a.event) events.push(a.event);
      batch[i].resolve(a.result);
    });
    this.writesSinceCheckpoint += events.length;
    this.writesSinceWorkerCheckpoint += events.length;
    if (this.checkpointer && this.writesSinceWorkerCheckpoint >= WRITES_PER_CHECKPOINT) {
      this.writesSinceWorkerCheckpoint = 0;
      this.checkpointInWorker('PASSIVE');
    }
    this.hub.publish(events);
  }

  /**
   * Asks the worker for a checkpoint; after it, between two transactions of this thread, copies the
   * few frames written while it ran. Only a checkpoint that has copied every frame when the next
   * transaction begins lets SQLite start the WAL over; under continuous writes the worker's alone
   * never does.
   */
  private checkpointInWorker(mode: 'PASSIVE' | 'TRUNCATE'): void {
    void this.checkpointer?.request(mode).then(
      () => {
        if (!this.closed) this.db.pragma('wal_checkpoint(PASSIVE)');
      },
      () => this.checkpointerFailed(),
    );
  }

  /** The worker is gone: SQLite checkpoints inside commits again (default every 1,000 pages). */
  private checkpointerFailed(): void {
    if (!this.checkpointer || this.checkpointer.healthy || this.closed) return;
    this.checkpointer = undefined;
    this.db.pragma('wal_autocheckpoint = 1000');
  }

  private async runCompaction(target: number): Promise<void> {
    const step = this.options.compactBatchSize;
    const saveProgress = this.db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('compact_done', ?)");
    const window = this.db.transaction((from: number, to: number) => {
      this.log.compactWindow(from, to);
      saveProgress.run(to);
    });
    let done = readMeta(this.db, 'compact_done');
    while (done < target && !this.closed) {
      const to = Math.min(done + step, target);
      window.immediate(done, to);
      done = to;
      if (done < target) await tick();
    }
  }

  private autoCompactTick(keepRevisions: number | undefined): void {
    const previous = this.lastTickRevision;
    this.lastTickRevision = this.revision;
    let target = previous ?? 0;
    if (keepRevisions !== undefined) target = Math.max(target, this.revision - keepRevisions);
    if (target > this.compacted) this.compact(target).catch(() => undefined);
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch {
        // Housekeeping retries on the next tick; a busy database must not crash the process.
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private check(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** Opens (creating if needed) the SQLite store at options.path. The caller must close() it. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
