/**
 * What the server process needs from the REST core and the store, and how it loads them.
 * The modules are imported lazily (they are the heavy part of start-up) and can be replaced
 * through StartServerOptions (tests inject a stub handler or an in-memory store).
 */
import type { Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import type { Logger } from 'pino';
import type { ApiHandler } from '../apiserver/api-handler.js';

export type { ApiHandler };
export type CreateApiHandler = (options: { store: Store; metrics?: Registry; log?: Logger }) => Promise<ApiHandler>;
export type OpenStore = (spec: string, dataDir: string) => Promise<Store>;

/** Loads the REST core's createApiHandler. */
export async function loadCreateApiHandler(): Promise<CreateApiHandler> {
  const { createApiHandler } = await import('../apiserver/api-handler.js');
  return createApiHandler;
}

/**
 * Loads the store package's openStore. For `sqlite` it imports only the SQLite backend:
 * store/index.js loads the etcd client (grpc) eagerly, about 400 ms of start-up on these
 * machines. The path below must stay the one store/index.ts's openStore uses; this shortcut can go
 * once store/index.ts imports the etcd backend lazily.
 */
export async function loadOpenStore(spec: string): Promise<OpenStore> {
  if (spec === 'sqlite') {
    const [{ openSqliteStore }, { join }] = await Promise.all([import('../store/sqlite/sqlite-store.js'), import('node:path')]);
    return async (_spec, dataDir) => openSqliteStore({ path: join(dataDir, 'db', 'state.db') });
  }
  const { openStore } = await import('../store/index.js');
  return openStore;
}
