import type Database from 'better-sqlite3';

/**
 * The SQLite layout, kine-style:
 *
 *   kv         append-only log; id = revision. A row is a create (created=1), an update, or a delete
 *              tombstone (deleted=1, value NULL: the value before the delete is the prev_revision row).
 *              UNIQUE (name, prev_revision) makes compare-and-swap race-safe even against a second
 *              writer: two writes based on the same previous row cannot both commit.
 *   kv_latest  one row per key that was ever written and not yet compacted away: its last revision.
 *              get/list/count read it (and join kv for values) instead of scanning history.
 *   meta       compact_revision (oldest readable revision) and compact_done (compaction progress).
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB
);
CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision ON kv (name, prev_revision);
CREATE TABLE IF NOT EXISTS kv_latest (
  name TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Connection settings applied on every open. */
export function applyPragmas(
  db: Database.Database,
  options: { busyTimeoutMs: number; synchronous: 'NORMAL' | 'FULL' },
): void {
  db.pragma('journal_mode = WAL');
  // NORMAL: a commit is in the WAL (OS page cache) when it returns, so it survives kill -9 of this
  // process; only power loss can drop the last commits. FULL fsyncs every commit.
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  db.pragma('foreign_keys = OFF');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -8192'); // 8 MiB page cache: the API server's watch cache serves most reads
  // After a checkpoint, truncate the WAL file back to this size so it does not stay at its peak.
  db.pragma('journal_size_limit = 67108864');
}

/** Reads an integer from meta, 0 when unset. */
export function readMeta(db: Database.Database, name: string): number {
  const row = db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: number } | undefined;
  return row?.value ?? 0;
}

/** The highest revision ever assigned (survives compaction of the newest rows: AUTOINCREMENT). */
export function readLastRevision(db: Database.Database): number {
  const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kv'").get() as { seq: number } | undefined;
  return row?.seq ?? 0;
}
