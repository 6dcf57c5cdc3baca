import { startIdleMemoryReducer } from './idle-memory-reducer.js';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAuthenticator } from '../apiserver/auth/authenticator.js';
import { ensureClusterTokens } from '../apiserver/auth/cluster-tokens.js';
import { ensureTls } from '../apiserver/tls/ensure-tls.js';
import type { Store } from '../store/store.js';
import {
  loadCreateApiHandler,
  loadOpenStore,
  type ApiHandler,
  type CreateApiHandler,
  type OpenStore,
} from './api-handler-contract.js';
import type { HealthCheck } from './health-checks.js';
import { localServerUrl, writeKubeconfig } from './kubeconfig.js';
import { listenLoopback } from './loopback-server.js';
import { startBuiltInControllers } from './built-in-controllers.js';
import { startSchedulerInServer } from '../scheduler/start-in-server.js';

export interface StartServerOptions {
  /** Holds the database, tls/, token, admin-token and kubeconfig.yaml. Created (0700) when missing. */
  dataDir: string;
  /** `sqlite` (default store in the data dir), `memory`, or `etcd://host:port,...`. */
  datastore: string;
  /** TCP port; 0 picks a free one (see RunningServer.port). */
  port: number;
  /** Address to bind; default 0.0.0.0 (all IPv4 interfaces). */
  host?: string;
  /** Extra names/IPs for the serving certificate. */
  tlsSans?: string[];
  log: Logger;
  /** Human progress lines while starting (the CLI prints them); default: none. */
  progress?: (line: string) => void;
  /** Replace the REST core (tests inject a stub). Default: apiserver/api-handler.js. */
  createApiHandler?: CreateApiHandler;
  /** Replace the store factory. Default: store/index.js openStore. */
  openStore?: OpenStore;
  /** Run the built-in controllers (garbage collector, namespace, serviceaccount, workloads, nodes). Default true. */
  controllers?: boolean;
  /** Run the scheduler. Default true. */
  scheduler?: boolean;
  /** tolerationSeconds new pods get for the not-ready / unreachable taints (default 5 s each). */
  defaultTolerationSeconds?: { notReady: number; unreachable: number };
  /** Addresses the built-in LoadBalancer provider hands out (default: the Ready nodes' InternalIPs). */
  serviceLbPool?: string[];
  /** Worker threads preparing creates beside the main thread (0 = off). Default: availableParallelism() - 1, at least 1. */
  writeWorkers?: number;
}

export interface RunningServer {
  /** e.g. https://127.0.0.1:6443 (loopback when bound to a wildcard address). */
  url: string;
  port: number;
  dataDir: string;
  kubeconfigPath: string;
  /** Bearer token of user admin (system:masters). */
  adminToken: string;
  /** Cluster join token for agents (`<data-dir>/token`). */
  joinToken: string;
  caCertPem: string;
  /** Prometheus registry (/metrics). */
  metrics: Registry;
  /**
   * Graceful stop: /readyz turns 500, the listener closes, the REST core ends its watches, in-flight
   * requests get `graceMs` (default 5000) to finish before their connections are cut, then the
   * store closes (SQLite checkpoints its WAL). Idempotent: later calls return the same promise.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the API server process: TLS material and tokens in the data dir (issued on first start),
 * the store, the REST core, HTTPS on host:port, and the admin kubeconfig. Resolves once listening;
 * /readyz answers 200 as soon as the REST core is ready. On failure everything opened is closed
 * again and the error is thrown.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { dataDir, log } = options;
  const progress = options.progress ?? (() => {});
  const t0 = performance.now();
  // Times in progress lines count from process start (performance.now()'s origin), as users feel them.
  const ms = (): string => `${Math.round(performance.now())} ms`;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  // Independent steps overlap: certificate files, store, and the heavy module imports.
  progress(`opening ${describeStore(options.datastore, dataDir)}`);
  const storePromise = (options.openStore ? Promise.resolve(options.openStore) : loadOpenStore(options.datastore)).then(
    (open) => open(options.datastore, dataDir),
  );
  const handlerFactoryPromise = options.createApiHandler
    ? Promise.resolve(options.createApiHandler)
    : loadCreateApiHandler();
  const metricsPromise = createMetrics();
  const tlsPromise = ensureTls(dataDir, { extraSans: options.tlsSans });

  let store: Store | undefined;
  let handler: ApiHandler | undefined;
  try {
    const [tls, opened, createHandler, metrics] = await Promise.all([
      tlsPromise,
      storePromise,
      handlerFactoryPromise,
      metricsPromise,
    ]);
    store = opened;
    if (tls.issued.length > 0)
      progress(`issued TLS certificates (${tls.issued.join(', ')}) in ${join(dataDir, 'tls')}`);
    const tokens = await ensureClusterTokens(dataDir, tls.material.caCert);
    progress(`store ready (${ms()}); starting API`);
    handler = await createHandler({
      store,
      metrics: metrics.registry,
      log: log.child({ component: 'apiserver' }),
      defaultTolerationSeconds: options.defaultTolerationSeconds,
      writeWorkers: options.writeWorkers ?? Math.max(1, availableParallelism() - 1),
    });

    let shuttingDown = false;
    const apiHandler = handler;
    const ping: HealthCheck = { name: 'ping', check: () => undefined };
    const cache: HealthCheck = {
      name: 'watch-cache',
      check: () => (apiHandler.isReady() ? undefined : 'watch cache not loaded'),
    };
    const shutdown: HealthCheck = {
      name: 'shutdown',
      check: () => (shuttingDown ? 'server is shutting down' : undefined),
    };
    const { createHttpsServer } = await import('./https-server.js');
    const server = createHttpsServer({
      tls: { cert: tls.material.serverCert, key: tls.material.serverKey, ca: tls.material.caCert },
      authenticator: createAuthenticator({ adminToken: tokens.adminToken, joinToken: tokens.joinToken }),
      handler,
      health: { healthz: [ping, cache], livez: [ping], readyz: [ping, cache, shutdown] },
      metrics,
      log,
    });
    const port = await listen(server, options.port, options.host ?? '0.0.0.0');
    const url = localServerUrl(options.host, port);
    const kubeconfigPath = await writeKubeconfig(dataDir, {
      server: url,
      caCertPem: tls.material.caCert,
      token: tokens.adminToken,
    });
    log.info(
      { url, dataDir, datastore: options.datastore, startupMs: Math.round(performance.now() - t0) },
      'API server listening',
    );
    progress(`API server listening on ${options.host ?? '0.0.0.0'}:${port} (${ms()})`);

    const memoryReducer = startIdleMemoryReducer({ log });
    const socketPath = join(dataDir, 'apiserver.sock');
    const loopback = await listenLoopback(socketPath, handler);
    // Controllers start in the background: /readyz is about the API, not about them.
    // Controllers and scheduler run only while this server holds their Lease (several servers on one etcd).
    const elected = (name: string, start: () => Promise<{ stop(): Promise<void> } | undefined>) =>
      import('../machinery/leader-election/start-elected.js').then(({ startElected }) =>
        startElected({ socketPath, log, name, dataDir, start }),
      );
    const controllers =
      options.controllers === false
        ? Promise.resolve(undefined)
        : elected('flotilla-controller-manager', () =>
            startBuiltInControllers({ socketPath, log, serviceLbPool: options.serviceLbPool }).then(
              (c) => {
                log.info({ startupMs: Math.round(performance.now() - t0) }, 'controllers running');
                return c;
              },
              (err: unknown) => {
                log.error({ err }, 'controllers failed to start');
                return undefined;
              },
            ),
          );

    const scheduler =
      options.scheduler === false
        ? Promise.resolve(undefined)
        : elected('flotilla-scheduler', () => startSchedulerInServer({ socketPath, log }));

    let closing: Promise<void> | undefined;
    const openStore = store;
    return {
      url,
      port,
      dataDir,
      kubeconfigPath,
      adminToken: tokens.adminToken,
      joinToken: tokens.joinToken,
      caCertPem: tls.material.caCert,
      metrics: metrics.registry,
      close(graceMs = 5000) {
        closing ??= (async () => {
          shuttingDown = true;
          await (await scheduler)?.stop().catch((err: unknown) => log.error({ err }, 'stopping the scheduler failed'));
          await (await controllers)
            ?.stop()
            .catch((err: unknown) => log.error({ err }, 'stopping the controllers failed'));
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          loopback.close();
          loopback.closeAllConnections();
          await apiHandler.close().catch((err: unknown) => log.error({ err }, 'closing the API handler failed'));
          const timer = setTimeout(() => server.closeAllConnections(), graceMs);
          await closed;
          clearTimeout(timer);
          await openStore.close();
          memoryReducer.stop();
          log.info('API server stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    await handler?.close().catch(() => {});
    const s = store ?? (await storePromise.catch(() => undefined));
    await s?.close().catch(() => {});
    throw err;
  }
}

async function createMetrics(): Promise<{
  registry: Registry;
  requests: import('./request-metrics.js').RequestMetrics;
}> {
  const [{ Registry, collectDefaultMetrics }, { createRequestMetrics }] = await Promise.all([
    import('prom-client'),
    import('./request-metrics.js'),
  ]);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { registry, requests: createRequestMetrics(registry) };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function describeStore(spec: string, dataDir: string): string {
  if (spec === 'sqlite') return `SQLite store in ${dataDir}`;
  if (spec.startsWith('etcd://')) return `etcd store at ${spec.slice('etcd://'.length)}`;
  return `${spec} store`;
}
