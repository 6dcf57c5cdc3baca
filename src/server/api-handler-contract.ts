/**
 * What the server process needs from the REST core and the store, and how it loads them.
 * The modules are imported lazily (they are the heavy part of start-up) and can be replaced
 * through StartServerOptions (tests inject a stub handler or an in-memory store).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import type { UserInfo } from '../apiserver/auth/user-info.js';

/** The REST core's contract (mirrors apiserver/api-handler.ts). */
export interface ApiHandler {
  /** Serves every Kubernetes API path. Never throws; writes a Status on error. */
  handle(req: IncomingMessage, res: ServerResponse, user: UserInfo): void;
  /** Upgrade requests (exec, port-forward); undefined when not supported. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo): void;
  /** True once the watch cache has loaded the store. */
  isReady(): boolean;
  close(): Promise<void>;
}

export type CreateApiHandler = (options: { store: Store; metrics?: Registry }) => Promise<ApiHandler>;
export type OpenStore = (spec: string, dataDir: string) => Promise<Store>;

// Specifiers kept in variables while the modules are being written in parallel; once both exist
// these become literal imports so the compiler checks them.
const API_HANDLER_MODULE = '../apiserver/api-handler.js';
const STORE_MODULE = '../store/index.js';

/** Loads the REST core's createApiHandler. */
export async function loadCreateApiHandler(): Promise<CreateApiHandler> {
  const mod = (await import(API_HANDLER_MODULE)) as { createApiHandler: CreateApiHandler };
  return mod.createApiHandler;
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
  const mod = (await import(STORE_MODULE)) as { openStore: OpenStore };
  return mod.openStore;
}
