import { join } from 'node:path';
import type { Store } from './store.js';

export * from './store.js';
export { StoreClosedError } from './store-closed-error.js';
export type { MemoryStore } from './memory/memory-store.js';
export type { SqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-options.js';
export type { EtcdStore, EtcdStoreOptions, EtcdClientTls } from './etcd/etcd-store.js';
import type { EtcdClientTls } from './etcd/etcd-store.js';

/**
 * Opens the store named by a `--store` style spec:
 *   'sqlite'                                -> `<dataDir>/db/state.db` (created if missing)
 *   'memory'                                -> empty, in-process, nothing persisted
 *   'etcd://h:p[,h:p...]' or 'http://h:p[,...]' -> etcd v3 at those client endpoints (plain HTTP)
 *   'https://h:p[,https://h:p...]'          -> etcd v3 over TLS with `options.etcdTls` (required)
 * Throws TypeError for anything else. The caller owns the store and must close() it.
 * Each backend is loaded only when asked for: the etcd client alone would add noticeably to start-up.
 */
export async function openStore(
  spec: string,
  dataDir: string,
  options: { etcdTls?: EtcdClientTls } = {},
): Promise<Store> {
  if (spec === 'sqlite')
    return (await import('./sqlite/sqlite-store.js')).openSqliteStore({ path: join(dataDir, 'db', 'state.db') });
  if (spec === 'memory') return (await import('./memory/memory-store.js')).openMemoryStore();
  if (spec.startsWith('https://')) {
    if (!options.etcdTls) throw new TypeError(`store spec ${spec}: etcd over TLS needs client certificates`);
    const endpoints = spec.split(',').map((h) => h.trim().replace(/\/+$/, ''));
    if (!endpoints.every((h) => /^https:\/\/[^/\s]+$/.test(h)))
      throw new TypeError(`store spec ${spec}: expected https://host:port[,https://host:port]`);
    return (await import('./etcd/etcd-store.js')).openEtcdStore({ endpoints, tls: options.etcdTls });
  }
  if (/^(etcd|http):\/\//.test(spec)) {
    const endpoints = etcdEndpoints(spec);
    if (endpoints.length === 0) throw new TypeError(`store spec ${spec}: no etcd endpoints`);
    return (await import('./etcd/etcd-store.js')).openEtcdStore({ endpoints });
  }
  throw new TypeError(
    `unknown store spec ${JSON.stringify(spec)}: expected 'sqlite', 'memory' or 'etcd://host:port[,host:port]'`,
  );
}

/** Splits an etcd store spec into client URLs (exported for tests and CLI validation). */
export function etcdEndpoints(spec: string): string[] {
  const match = /^(etcd|http):\/\/(.+)$/.exec(spec);
  if (!match) return [];
  return match[2]
    .split(',')
    .map((h) =>
      h
        .trim()
        .replace(/^(etcd|http):\/\//, '')
        .replace(/\/+$/, ''),
    )
    .filter((h) => h.length > 0)
    .map((h) => `http://${h}`);
}
