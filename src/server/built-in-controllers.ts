import type { Logger } from 'pino';

export interface BuiltInControllersOptions {
  /** This server's loopback Unix socket (see loopback-server.ts). */
  socketPath: string;
  log: Logger;
  /** Addresses of the built-in LoadBalancer provider (default: node InternalIPs). */
  serviceLbPool?: string[];
}

/** Running controllers; stop() ends their watches and closes their client. Idempotent. */
export interface BuiltInControllers {
  stop(): Promise<void>;
}

/**
 * Starts the controllers that run inside `flotilla server` (controllers/index.ts: garbage
 * collector, namespace, serviceaccount). As DESIGN.md asks they reach the API only through the
 * HTTP client, here over this server's loopback Unix socket. The client and controller modules are
 * imported here, after the server listens, so they do not delay start-up. Resolves once their
 * caches have synced.
 */
export async function startBuiltInControllers(options: BuiltInControllersOptions): Promise<BuiltInControllers> {
  const [{ createClient }, { startControllers }] = await Promise.all([
    import('../machinery/client/index.js'),
    import('../controllers/index.js'),
  ]);
  const client = createClient({
    server: 'http://localhost',
    socketPath: options.socketPath,
    userAgent: 'flotilla-controllers',
  });
  let controllers;
  try {
    controllers = await startControllers({ client, log: options.log, serviceLbPool: options.serviceLbPool });
  } catch (err) {
    await client.close();
    throw err;
  }
  const running = controllers;
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= running.stop().finally(() => client.close());
      return stopping;
    },
  };
}
