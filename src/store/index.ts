import { join } from 'node:path';
import type { Store } from './store.js';
import { openEtcdStore } from './etcd/etcd-store.js';
import { openMemoryStore } from './memory/memory-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

export * from './store.js';
export { StoreClosedError } from './store-closed-error.js';
export { MemoryStore, openMemoryStore } from './memory/memory-store.js';
export { SqliteStore, openSqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-options.js';
export { EtcdStore, openEtcdStore, type EtcdStoreOptions } from './etcd/etcd-store.js';

/**
 * Opens the store named by a `--store` style spec:
 *   'sqlite'                                -> `<dataDir>/db/state.db` (created if missing)
 *   'memory'                                -> empty, in-process, nothing persisted
 *   'etcd://h:p[,h:p...]' or 'http://h:p[,...]' -> etcd v3 at those client endpoints (plain HTTP)
 * Throws TypeError for anything else. The caller owns the store and must close() it.
 */
export async function openStore(spec: string, dataDir: string): Promise<Store> {
  if (spec === 'sqlite') return openSqliteStore({ path: join(dataDir, 'db', 'state.db') });
  if (spec === 'memory') return openMemoryStore();
  if (/^(etcd|http):\/\//.test(spec)) {
    const endpoints = etcdEndpoints(spec);
    if (endpoints.length === 0) throw new TypeError(`store spec ${spec}: no etcd endpoints`);
    return openEtcdStore({ endpoints });
  }
  throw new TypeError(`unknown store spec ${JSON.stringify(spec)}: expected 'sqlite', 'memory' or 'etcd://host:port[,host:port]'`);
}

/** Splits an etcd store spec into client URLs (exported for tests and CLI validation). */
export function etcdEndpoints(spec: string): string[] {
  const match = /^(etcd|http):\/\/(.+)$/.exec(spec);
  if (!match) return [];
  return match[2]
    .split(',')
    .map((h) => h.trim().replace(/^(etcd|http):\/\//, '').replace(/\/+$/, ''))
    .filter((h) => h.length > 0)
    .map((h) => `http://${h}`);
}
