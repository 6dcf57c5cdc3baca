import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { openEtcdStore } from '../../store/etcd/etcd-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { SQLITE_PATH } from './backup-archive.js';

export interface MigrateOptions {
  /** The data dir whose db/state.db is copied; its server must be stopped. */
  dataDir: string;
  /** Client URLs of the target etcd cluster (it must hold no keys under /registry/). */
  endpoints: string[];
  /** Progress lines (the CLI prints them). */
  progress?: (line: string) => void;
}

export interface MigrateResult {
  keys: number;
  /** The SQLite store's last revision. */
  sqliteRevision: number;
  /** etcd's revision after the migration (every revision up to the SQLite store's last one is compacted). */
  etcdRevision: number;
}

/** Keys written per round trip batch (each is its own etcd request, so its own revision). */
const BATCH = 200;
const PADDING_PREFIX = '/flotilla/migration/';

/** A migration that must not run (server up, target not empty, nothing to migrate). */
export class MigrationError extends Error {
  readonly code = 'MigrationRefused';
}

/**
 * Copies every live key of a data dir's SQLite store into an empty etcd cluster, as k3s does when a
 * server moves from kine's SQLite to etcd. Values (object JSON, encrypted Secrets as they are)
 * move unchanged; revisions cannot (etcd assigns its own), so resourceVersions only move forward
 * and clients relist instead of trusting an old one: etcd's revision is first raised above the
 * SQLite store's last one and compacted there, then the keys are copied. Every migrated object gets
 * a resourceVersion above any a client saw before; a watch or list from one of those old ones gets
 * 410 Gone (the client relists), an update carrying one 409 Conflict (it re-reads).
 * Refuses while a server runs on the data dir (its loopback socket answers) and when etcd already
 * holds API objects. Not idempotent: a second run finds the objects and refuses.
 */
export async function migrateSqliteToEtcd(o: MigrateOptions): Promise<MigrateResult> {
  const progress = o.progress ?? (() => undefined);
  const dbPath = join(o.dataDir, SQLITE_PATH);
  if (!existsSync(dbPath)) throw new MigrationError(`no SQLite store at ${dbPath}`);
  if (await socketAnswers(join(o.dataDir, 'apiserver.sock')))
    throw new MigrationError(`a server is running on ${o.dataDir}: stop it before migrating its store`);
  const sqlite = openSqliteStore({ path: dbPath, checkpointWorker: false, checkpointIntervalMs: 0 });
  const etcd = openEtcdStore({ endpoints: o.endpoints });
  try {
    const present = await etcd.count('/registry/');
    if (present > 0) throw new MigrationError(`etcd at ${o.endpoints.join(',')} already holds ${present} API objects`);
    const sqliteRevision = await sqlite.currentRevision();
    await raiseRevisionAbove(etcd, sqliteRevision);
    const floor = await etcd.currentRevision();
    await etcd.compact(floor);
    progress(
      `etcd at revision ${floor} (SQLite at ${sqliteRevision}), compacted there: clients with older resourceVersions relist`,
    );
    let keys = 0;
    let startAfter: string | undefined;
    for (;;) {
      // One read revision for every page: a consistent copy (a store last written by a server
      // killed mid-write is whole too: its WAL replays on open).
      const page = await sqlite.list('', { limit: BATCH, startAfter, revision: sqliteRevision });
      await Promise.all(
        page.items.map(async (kv) => {
          const r = await etcd.create(kv.key, kv.value);
          if (!r.ok) throw new MigrationError(`etcd refused ${kv.key}: ${r.reason}`);
        }),
      );
      keys += page.items.length;
      if (keys > 0 && keys % 5000 < BATCH) progress(`copied ${keys} keys`);
      if (!page.more || page.items.length === 0) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    const etcdRevision = await etcd.currentRevision();
    return { keys, sqliteRevision, etcdRevision };
  } finally {
    await Promise.all([sqlite.close(), etcd.close()]);
  }
}

/** Writes and deletes scratch keys until etcd's revision is above `revision` (one revision per request). */
async function raiseRevisionAbove(etcd: ReturnType<typeof openEtcdStore>, revision: number): Promise<void> {
  let round = 0;
  for (let current = await etcd.currentRevision(); current <= revision; current = await etcd.currentRevision()) {
    const n = Math.min(BATCH, Math.ceil((revision - current + 1) / 2));
    const keys = Array.from({ length: n }, (_, i) => `${PADDING_PREFIX}${round}-${i}`);
    await Promise.all(keys.map((k) => etcd.create(k, new Uint8Array(0))));
    await Promise.all(keys.map((k) => etcd.delete(k)));
    round += 1;
  }
}

function socketAnswers(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
