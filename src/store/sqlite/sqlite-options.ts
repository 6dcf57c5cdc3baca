import { abSwitches } from '../../machinery/config/switches.js';
/** Options of openSqliteStore; every field but `path` has a default. */
export interface SqliteStoreOptions {
  /** Database file (created with its directory's contents if missing), or ':memory:'. */
  path: string;
  /**
   * Run writes that arrive in the same event-loop turn in one transaction, resolving each with its
   * own result (default true). Each write is still acknowledged only after its commit.
   */
  groupCommit?: boolean;
  /** Most writes per group-commit transaction (default 1000). */
  maxBatch?: number;
  /** 'NORMAL' (default): survives kill -9. 'FULL': also survives power loss, much slower per commit. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long to wait for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
  /** WAL checkpoint period: PASSIVE when there were writes, TRUNCATE when idle. 0 disables (default 30000). */
  checkpointIntervalMs?: number;
  /**
   * WAL checkpoints on a worker thread with its own connection instead of inside commits (default
   * true unless FLOTILLA_SQLITE_CHECKPOINT_WORKER=0; file databases only). See wal-checkpointer.ts.
   */
  checkpointWorker?: boolean;
  /** Rows examined per compaction transaction; the event loop runs between batches (default 2000). */
  compactBatchSize?: number;
  /**
   * Automatic compaction. Every `intervalMs`, compact to the revision seen at the previous tick (so at
   * least one interval of history stays watchable), or further to `current - keepRevisions` if that
   * is higher. Undefined: no automatic compaction.
   */
  autoCompact?: { intervalMs: number; keepRevisions?: number };
}

export type ResolvedSqliteStoreOptions = Required<Omit<SqliteStoreOptions, 'autoCompact'>> &
  Pick<SqliteStoreOptions, 'autoCompact'>;

/** Fills defaults and validates once at start-up. */
export function resolveSqliteOptions(options: SqliteStoreOptions): ResolvedSqliteStoreOptions {
  const resolved: ResolvedSqliteStoreOptions = {
    path: options.path,
    groupCommit: options.groupCommit ?? true,
    maxBatch: options.maxBatch ?? 1000,
    synchronous: options.synchronous ?? 'NORMAL',
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 30_000,
    checkpointWorker: options.checkpointWorker ?? !abSwitches().noSqliteCheckpointWorker,
    compactBatchSize: options.compactBatchSize ?? 2000,
    autoCompact: options.autoCompact,
  };
  if (!resolved.path) throw new TypeError('sqlite store: path is required');
  if (resolved.maxBatch < 1) throw new RangeError('sqlite store: maxBatch must be >= 1');
  if (resolved.compactBatchSize < 1) throw new RangeError('sqlite store: compactBatchSize must be >= 1');
  if (resolved.autoCompact && !(resolved.autoCompact.intervalMs > 0)) {
    throw new RangeError('sqlite store: autoCompact.intervalMs must be > 0');
  }
  return resolved;
}
