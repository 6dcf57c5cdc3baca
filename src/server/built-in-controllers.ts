import { compose } from '../machinery/lifecycle/runnables.js';
import type { Logger } from 'pino';
import type { ControllerSettings } from '../controllers/index.js';

export interface BuiltInControllersOptions {
  /** This server's loopback Unix socket (see loopback-server.ts). */
  socketPath: string;
  log: Logger;
  /** Addresses of the built-in LoadBalancer provider (default: node InternalIPs). */
  serviceLbPool?: string[];
  settings?: ControllerSettings;
  /** The cluster CA (PEM), for kube-root-ca.crt and token Secrets. */
  rootCaPem?: string;
  /** The ServiceAccount signing key (PEM), for legacy token Secrets. */
  serviceAccountKeyPem?: string;
  /** The cluster CA (certificate and key PEM) the CSR signer signs with. */
  signingCa?: { cert: string; key: string };
}

/** Running controllers; stop() ends their watches and closes their client. Idempotent. */
export interface BuiltInControllers {
  stop(): Promise<void>;
}

/**
 * Starts the controllers that run inside `flotilla server` (every one controllers/index.ts lists:
 * garbage collector, namespace, workloads, nodes, endpoints, volumes, ...). As DESIGN.md asks they
 * reach the API only through the HTTP client, here over this server's loopback Unix socket. The
 * client and controller modules are imported here, after the server listens, so they do not delay
 * start-up. Resolves once their caches have synced.
 */
export async function startBuiltInControllers(options: BuiltInControllersOptions): Promise<BuiltInControllers> {
  const [{ createClient }, { startControllers }] = await Promise.all([
    import('../machinery/client/index.js'),
    import('../controllers/index.js'),
  ]);
  return compose({ log: options.log }, async (parts) => {
    const client = await parts.start(
      'controllers client',
      () =>
        createClient({ server: 'http://localhost', socketPath: options.socketPath, userAgent: 'flotilla-controllers' }),
      (c) => c.close(),
    );
    await parts.start('controllers', () =>
      startControllers({
        client,
        log: options.log,
        serviceLbPool: options.serviceLbPool,
        settings: options.settings,
        rootCaPem: options.rootCaPem,
        serviceAccountKeyPem: options.serviceAccountKeyPem,
        signingCa: options.signingCa,
      }),
    );
    return { stop: () => parts.stop() };
  });
}
