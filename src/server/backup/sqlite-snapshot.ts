import Database from 'better-sqlite3';
import { rm } from 'node:fs/promises';
import { readLastRevision } from '../../store/sqlite/schema.js';

/** What a store snapshot holds: the revision it was taken at and how many live keys it has. */
export interface StoreSnapshotInfo {
  revision: number;
  keys: number;
}

/**
 * Copies the SQLite store at `dbPath` into a new database file `dest` with SQLite's online backup
 * API, on a connection of its own: the server may keep running and writing meanwhile. The copy is
 * one step of every page (one read transaction), so it is the state of one commit, including
 * commits still in the WAL (a server killed with -9 leaves its acknowledged writes there). Throws
 * when `dbPath` does not exist; `dest` must not exist yet (a partial file is removed on failure).
 */
export async function snapshotSqlite(dbPath: string, dest: string): Promise<StoreSnapshotInfo> {
  const source = new Database(dbPath, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    // Page by page in small steps a concurrent writer would restart the copy each time; every page
    // in one step copies one consistent state while writers go on in the WAL.
    await source.backup(dest, { progress: () => 0x7fffffff });
  } catch (err) {
    await rm(dest, { force: true });
    throw err;
  } finally {
    source.close();
  }
  return describeSqlite(dest);
}

/** The revision and live key count of a SQLite store file (read-only). */
export function describeSqlite(path: string): StoreSnapshotInfo {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const keys = db.prepare('SELECT count(*) AS n FROM kv_latest WHERE deleted = 0').get() as { n: number };
    return { revision: readLastRevision(db), keys: keys.n };
  } finally {
    db.close();
  }
}
