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
import { ensureServiceAccountKey } from '../apiserver/auth/service-account-key.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from '../api/serviceaccount/token-claims.js';
import { ensureTls } from '../apiserver/tls/ensure-tls.js';
import { compose, inBackground, optional, stoppable, type Stoppable } from '../machinery/lifecycle/runnables.js';
import {
  loadCreateApiHandler,
  loadOpenStore,
  type ApiHandler,
  type CreateApiHandler,
  type OpenStore,
} from './api-handler-contract.js';
import type { HealthCheck } from './health-checks.js';
import type { Dashboard } from '../dashboard/index.js';
import { dashboardCredentialOf } from './dashboard-credential.js';
import { localServerUrl, writeKubeconfig } from './kubeconfig.js';
import { LoopbackIdentities, listenLoopback, loopbackConnection } from './loopback-server.js';
import { CONTROLLER_MANAGER_USER, startBuiltInControllers } from './built-in-controllers.js';
import type { UserInfo } from '../apiserver/auth/user-info.js';
import type { ClientOptions } from '../machinery/client/index.js';
import { KUBE_SCHEDULER } from '../api/rbac/users.js';
import { tightenDataDirModes } from './data-dir-modes.js';
import { defaultAdvertiseAddress } from './api-endpoints.js';
import { createClient } from '../machinery/client/index.js';
import { startSchedulerInServer } from '../scheduler/start-in-server.js';
import type { ControllerSettings } from '../controllers/index.js';
import type { AuthorizationMode } from '../apiserver/authz/modes.js';
import type { PodSecuritySettings } from '../apiserver/admission/pod-security/index.js';
import { KUBERNETES_MINOR } from './version-info.js';
import { createCertificateRotation } from './certificate-rotation.js';

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
  /** Client TLS towards etcd when `datastore` is `https://...` (the embedded member's, see embedded-etcd.ts). */
  etcdTls?: import('../store/index.js').EtcdClientTls;
  /**
   * Client URLs of this cluster's etcd members when this server runs one: joining servers get them
   * with the shared files from /v1-flotilla/server-bootstrap (admins only). Undefined: not served.
   */
  etcdClientUrls?: () => string[];
  /** The `kubernetes` endpoints' API server Lease: duration and renew period (default 15 s, 10 s). */
  apiServerLease?: { durationSeconds?: number; renewIntervalMs?: number };
  /** Run the built-in controllers (every one of controllers/index.ts). Default true. */
  controllers?: boolean;
  /** Run the scheduler. Default true. */
  scheduler?: boolean;
  /** tolerationSeconds new pods get for the not-ready / unreachable taints (default 5 s each). */
  defaultTolerationSeconds?: { notReady: number; unreachable: number };
  /** Addresses the built-in LoadBalancer provider hands out (default: the Ready nodes' InternalIPs). */
  serviceLbPool?: string[];
  /** Worker threads preparing creates beside the main thread (0 = off). Default: availableParallelism() - 1, at least 1. */
  writeWorkers?: number;
  /**
   * How long a client has to send a whole request, headers and body (default 60 s, as
   * kube-apiserver's request timeout; 0 = no limit). Responses that stream after the request
   * (watch, logs, exec) are not limited by it.
   */
  requestReadTimeoutMs?: number;
  /** How long a client has to send the request headers (default 32 s, kube-apiserver's ReadHeaderTimeout). */
  requestHeadersTimeoutMs?: number;
  /** How long in-flight requests may take to finish once close() began (default 5000 ms). */
  shutdownGraceMs?: number;
  /** Settings of individual controllers (timings for tests and small clusters, the node IPAM range). */
  controllerSettings?: ControllerSettings;
  /** How long metrics.k8s.io caches a node's stats summary (default 10 s). */
  metricsTtlMs?: number;
  /**
   * `--authorization-mode`: ['Node', 'RBAC'] (default, as kubeadm sets it) authorizes every
   * request (system:masters bypass, the Node authorizer for nodes, then RBAC) and reconciles the
   * bootstrap policy before the server reports ready; ['RBAC'] without the Node authorizer;
   * ['AlwaysAllow'] lets every authenticated request through.
   */
  authorizationModes?: AuthorizationMode[];
  /**
   * `--anonymous-auth` (default true, as kube-apiserver): a request without credentials is
   * `system:anonymous` in `system:unauthenticated`, left to authorization (403 where RBAC gives it
   * nothing); false answers it 401. Off with AlwaysAllow, as Kubernetes resets it there.
   */
  anonymousAuth?: boolean;
  /**
   * `--encryption-provider-config`: the EncryptionConfiguration for data at rest. Default
   * `<dataDir>/cred/encryption-config.yaml`, written with a fresh key on a new cluster.
   */
  encryptionProviderConfig?: string;
  /**
   * Kubernetes' ServiceAccount admission (pods get their ServiceAccount's token volume; a missing
   * ServiceAccount is refused). Default true; it relies on the serviceaccount controller.
   */
  serviceAccountAdmission?: boolean;
  /**
   * The address pods reach this server at: the `kubernetes` Service's endpoint
   * (`--advertise-address`). Default: the bind address, or the host's first IPv4 address when that
   * is a wildcard.
   */
  advertiseAddress?: string;
  /** The audit log: policy file (audit.k8s.io/v1 Policy) and where events go; default none. */
  audit?: AuditOptions;
  /**
   * PodSecurity admission: cluster defaults for namespaces without pod-security labels, and
   * exemptions. Default: privileged everywhere, as Kubernetes (`flotilla up` passes its own).
   */
  podSecurity?: PodSecuritySettings;
  /** Scheduled store snapshots (whole backups) with retention; default none. */
  snapshots?: { schedule: string; retention: number; dir: string };
  /** ServiceAccount token issuers, audiences and keys (kube-apiserver's flags); default: see ServiceAccountTokenSettings. */
  serviceAccountTokens?: ServiceAccountTokenSettings;
}

/**
 * kube-apiserver's ServiceAccount token flags. Servers sharing one store must sign with a key the
 * others accept: give them the same `--service-account-signing-key-file`, or each its own key plus
 * the others' public keys in `--service-account-key-file`.
 */
export interface ServiceAccountTokenSettings {
  /** `--service-account-issuer` (repeatable): the first is the `iss` of new tokens, all are accepted. Default https://kubernetes.default.svc.cluster.local. */
  issuers?: string[];
  /** `--api-audiences`: audiences the API accepts (default: the issuers). */
  apiAudiences?: string[];
  /** `--service-account-signing-key-file`: RSA private key PEM to sign with (default `<data-dir>/tls/service-account.key`, made on first start). */
  signingKeyFile?: string;
  /** `--service-account-key-file` (repeatable): PEM keys (public, or private whose public half counts) tokens are also accepted with. */
  keyFiles?: string[];
  /** `--service-account-jwks-uri`: the key set URL the discovery document names (default: on the host the request came to). */
  jwksUri?: string;
}

/** `--authorization-mode` when none is given: the Node authorizer, then RBAC (kubeadm's setting). */
export const DEFAULT_AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['Node', 'RBAC'];

/** The scheduler's user: system:kube-scheduler, bound to system:kube-scheduler and system:volume-scheduler. */
const SCHEDULER_USER: UserInfo = { name: KUBE_SCHEDULER, groups: ['system:authenticated'] };

export interface AuditOptions {
  /** `--audit-policy-file`. */
  policyFile: string;
  /** `--audit-log-path` (`-` = stdout). */
  logPath: string;
  /** `--audit-log-maxsize` (MB, 0 = no rotation), `--audit-log-maxbackup`, `--audit-log-maxage` (days). */
  maxSizeMb?: number;
  maxBackups?: number;
  maxAgeDays?: number;
}

export interface RunningServer {
  /** e.g. https://127.0.0.1:6443 (loopback when bound to a wildcard address). */
  url: string;
  port: number;
  dataDir: string;
  kubeconfigPath: string;
  /** Bearer token of user admin (system:masters). */
  adminToken: string;
  /**
   * A one-time link to the web dashboard that logs in as admin (the admin token stays on the
   * server; the link holds a code valid once, for 5 minutes). Each call mints a new code.
   */
  dashboardLoginUrl(): string;
  /** Cluster join token for agents (`<data-dir>/token`). */
  joinToken: string;
  /**
   * Connection options for a client in this process acting as `user` over the loopback socket
   * (`up`'s node agent runs as its node). The identity holds only while this server runs.
   */
  loopbackConnection(user: UserInfo, userAgent: string): ClientOptions;
  caCertPem: string;
  /** Prometheus registry (/metrics). */
  metrics: Registry;
  /**
   * Graceful stop: /readyz turns 500, scheduler and controllers stop, the listeners close, the REST
   * core ends its watches, in-flight requests get StartServerOptions.shutdownGraceMs to finish before
   * their connections are cut, then the store closes (SQLite checkpoints its WAL). Idempotent: later
   * calls return the same promise.
   */
  close(): Promise<void>;
}

/**
 * Starts the API server process: TLS material and tokens in the data dir (issued on first start),
 * the store, the REST core, HTTPS on host:port, and the admin kubeconfig; then, in the background,
 * the controllers and the scheduler (each while this server holds its Lease). Resolves once
 * listening; /readyz answers 200 as soon as the REST core is ready. The parts form one list: a
 * failure closes what was opened and throws, close() stops them in reverse order.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { dataDir, log } = options;
  const progress = options.progress ?? (() => {});
  const authorizationModes = options.authorizationModes ?? DEFAULT_AUTHORIZATION_MODES;
  // As kube-apiserver: every request would be allowed to anyone, so AlwaysAllow turns anonymous off.
  const anonymousAuth = (options.anonymousAuth ?? true) && !authorizationModes.includes('AlwaysAllow');
  if (options.anonymousAuth === true && authorizationModes.includes('AlwaysAllow'))
    log.warn('anonymous authentication is not allowed with the AlwaysAllow authorizer: turned off');
  const t0 = performance.now();
  // Times in progress lines count from process start (performance.now()'s origin), as users feel them.
  const ms = (): string => `${Math.round(performance.now())} ms`;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  progress(`opening ${describeStore(options.datastore, dataDir)}`);
  return compose({ log }, async (parts) => {
    // Independent steps overlap: certificate files, store, and the heavy module imports.
    const [tls, plainStore, createHandler, metrics, { openSecretsEncryption }, dashboardModule] = await Promise.all([
      ensureTls(dataDir, { extraSans: options.tlsSans }),
      parts.start(
        'store',
        async () => {
          const open = options.openStore ?? (await loadOpenStore(options.datastore));
          return open(options.datastore, dataDir, { etcdTls: options.etcdTls });
        },
        (s) => s.close(),
      ),
      options.createApiHandler ?? loadCreateApiHandler(),
      createMetrics(),
      import('./secrets-encryption.js'),
      import('../dashboard/index.js'),
    ]);
    const encryption = await openSecretsEncryption(
      plainStore,
      options.encryptionProviderConfig ?? join(dataDir, 'cred', 'encryption-config.yaml'),
      log,
    );
    const store = encryption.store;
    const certificates = createCertificateRotation({ dataDir, extraSans: options.tlsSans, log });
    const audit = options.audit
      ? await parts.start(
          'audit log',
          () => openAuditLog(options.audit as AuditOptions),
          (a) => a.close(),
        )
      : undefined;
    await tightenDataDirModes(dataDir);
    if (tls.issued.length > 0)
      progress(`issued TLS certificates (${tls.issued.join(', ')}) in ${join(dataDir, 'tls')}`);
    const saSettings = options.serviceAccountTokens ?? {};
    const [tokens, serviceAccountKeyPem, serviceAccountPublicKeyPems] = await Promise.all([
      ensureClusterTokens(dataDir, tls.material.caCert),
      saSettings.signingKeyFile
        ? readKeyFile(saSettings.signingKeyFile, '--service-account-signing-key-file')
        : ensureServiceAccountKey(dataDir),
      Promise.all((saSettings.keyFiles ?? []).map((f) => readKeyFile(f, '--service-account-key-file'))),
    ]);
    const serviceAccountIssuers =
      saSettings.issuers && saSettings.issuers.length > 0 ? saSettings.issuers : [DEFAULT_SERVICE_ACCOUNT_ISSUER];
    const apiAudiences =
      saSettings.apiAudiences && saSettings.apiAudiences.length > 0 ? saSettings.apiAudiences : serviceAccountIssuers;
    // ServiceAccount JWTs are checked by the REST core (it holds the watch cache): bound to it once it exists.
    let serviceAccountTokens: ApiHandler['authenticateServiceAccountToken'];
    const authenticator = createAuthenticator({
      adminToken: tokens.adminToken,
      joinToken: tokens.joinToken,
      joinTokenNodeNames: !authorizationModes.includes('Node'),
      anonymous: anonymousAuth,
      apiAudiences,
      serviceAccountTokens: (token, audiences) =>
        serviceAccountTokens?.(token, audiences) ?? { kind: 'unknown' as const },
    });
    progress(`store ready (${ms()}); starting API`);
    const shutdown = { begun: false };
    const host = options.host ?? '0.0.0.0';
    const api = await parts.start('API', () =>
      serveApi({
        createHandler: async () => {
          const handler = await createHandler({
            store,
            metrics: metrics.registry,
            log: log.child({ component: 'apiserver' }),
            defaultTolerationSeconds: options.defaultTolerationSeconds,
            writeWorkers: options.writeWorkers ?? Math.max(1, availableParallelism() - 1),
            metricsTtlMs: options.metricsTtlMs,
            authorizationModes,
            extraRoutes: [...encryption.routes, ...certificates.routes],
            audit: audit?.recorder,
            podSecurity: { settings: options.podSecurity, maxVersion: Number(KUBERNETES_MINOR) },
            serviceAccountAdmission: options.serviceAccountAdmission ?? true,
            serviceAccountTokens: {
              keyPem: serviceAccountKeyPem,
              publicKeyPems: serviceAccountPublicKeyPems,
              issuers: serviceAccountIssuers,
              apiAudiences,
              jwksUri: saSettings.jwksUri,
            },
            authenticateToken: (token, audiences) => authenticator.authenticateToken(token, audiences),
            agentClientTls: { cert: tls.material.kubeletClientCert, key: tls.material.kubeletClientKey },
            agentCaPem: tls.material.caCert,
          });
          serviceAccountTokens = handler.authenticateServiceAccountToken?.bind(handler);
          return handler;
        },
        tls: { cert: tls.material.serverCert, key: tls.material.serverKey, ca: tls.material.caCert },
        authenticator,
        dashboard: (handler) =>
          dashboardModule.createDashboard({
            caPem: tls.material.caCert,
            authenticateToken: (token) => {
              const r = authenticator.authenticateToken(token);
              return r.kind === 'user' ? r.user : undefined;
            },
            serveApi: (req, res, user) => handler.handle(req, res, user),
            serveApiUpgrade: handler.handleUpgrade
              ? (req, socket, head, user) => handler.handleUpgrade?.(req, socket, head, user)
              : undefined,
            credentialOf: (req) => dashboardCredentialOf(authenticator, req),
            assets: () => dashboardModule.loadAssets(),
          }),
        isShuttingDown: () => shutdown.begun,
        metrics,
        log,
        requestReadTimeoutMs: options.requestReadTimeoutMs,
        requestHeadersTimeoutMs: options.requestHeadersTimeoutMs,
        port: options.port,
        host,
        graceMs: options.shutdownGraceMs ?? 5000,
        serverBootstrap: options.etcdClientUrls
          ? async () => {
              const { readServerBootstrap } = await import('./cluster-bootstrap.js');
              return readServerBootstrap(dataDir, options.etcdClientUrls?.() ?? []);
            }
          : undefined,
      }),
    );
    // `flotilla certificate rotate` and renewals near expiry swap the serving certificate live.
    certificates.attach((m) => api.setTls({ cert: m.serverCert, key: m.serverKey, ca: m.caCert }));
    await parts.start('certificate renewal', () => certificates.startRenewal());
    const url = localServerUrl(options.host, api.port);
    const kubeconfigPath = await writeKubeconfig(dataDir, {
      server: url,
      caCertPem: tls.material.caCert,
      credential: { token: tokens.adminToken },
    });
    log.info(
      { url, dataDir, datastore: options.datastore, startupMs: Math.round(performance.now() - t0) },
      'API server listening',
    );
    progress(`API server listening on ${host}:${api.port} (${ms()})`);
    await parts.start(
      'idle memory reducer',
      () => startIdleMemoryReducer({ log }),
      (r) => r.stop(),
    );
    const socketPath = join(dataDir, 'apiserver.sock');
    // Each component on the loopback socket calls as its own user (a token minted here, in memory).
    const identities = new LoopbackIdentities();
    const connect = (user: UserInfo, userAgent: string): ClientOptions =>
      loopbackConnection(socketPath, identities, user, userAgent);
    await parts.start(
      'loopback API',
      () => listenLoopback(socketPath, api.handler, identities),
      (loopback) => {
        loopback.close();
        loopback.closeAllConnections();
      },
    );
    // Where pods reach this server through the `kubernetes` Service: kube-apiserver's lease-based
    // endpoint reconciler (every live server's address; a stopped one drops out when its Lease ends).
    const advertise = options.advertiseAddress ?? defaultAdvertiseAddress(host);
    if (advertise) {
      const client = createClient({ server: 'http://localhost', socketPath, userAgent: 'kube-apiserver' });
      await parts.start(
        'kubernetes endpoints',
        async () => {
          const [{ startApiEndpointsReconciler }, { serverIdentity }] = await Promise.all([
            import('./api-endpoints-reconciler.js'),
            import('../machinery/leader-election/start-elected.js'),
          ]);
          return startApiEndpointsReconciler({
            client,
            identity: serverIdentity(dataDir),
            self: { ip: advertise, port: api.port },
            log,
            leaseDurationSeconds: options.apiServerLease?.durationSeconds,
            renewIntervalMs: options.apiServerLease?.renewIntervalMs,
          });
        },
        async (r) => {
          // Bounded: without etcd quorum the last writes would wait for good.
          await Promise.race([
            r
              .stop()
              .catch((err: unknown) => log.warn({ err }, 'removing this server from the kubernetes endpoints failed')),
            new Promise((res) => setTimeout(res, 3000).unref()),
          ]);
          await client.close();
        },
      );
    }
    // Controllers and scheduler start in the background (/readyz is about the API, not about them),
    // and run only while this server holds their Lease (several servers on one etcd).
    // Lease names as Kubernetes': the components' bootstrap roles may update only their own.
    const elected = (name: string, user: UserInfo, start: () => Promise<Stoppable | undefined>): Stoppable =>
      inBackground(
        import('../machinery/leader-election/start-elected.js').then(({ startElected }) =>
          startElected({ connection: connect(user, `${name}/leader-election`), log, name, dataDir, start }),
        ),
        (err) => log.error({ err, lease: name }, 'leader election failed to start'),
      );
    if (options.controllers !== false)
      await parts.start('controller manager', () =>
        elected('kube-controller-manager', CONTROLLER_MANAGER_USER, () =>
          optional(
            () =>
              startBuiltInControllers({
                connect,
                log,
                serviceLbPool: options.serviceLbPool,
                settings: options.controllerSettings,
                rootCaPem: tls.material.caCert,
                serviceAccountKeyPem,
                signingCa: { cert: tls.material.caCert, key: tls.material.caKey },
              }).then((c) => {
                log.info({ startupMs: Math.round(performance.now() - t0) }, 'controllers running');
                return c;
              }),
            (err) => log.error({ err }, 'controllers failed to start'),
          ),
        ),
      );
    if (options.scheduler !== false)
      await parts.start('scheduler', () =>
        elected('kube-scheduler', SCHEDULER_USER, () =>
          startSchedulerInServer({ connection: connect(SCHEDULER_USER, 'kube-scheduler'), log }),
        ),
      );
    const snapshots = options.snapshots;
    if (snapshots && options.datastore !== 'memory')
      await parts.start(
        'store snapshots',
        async () =>
          (await import('./backup/snapshots.js')).startSnapshotSchedule({
            ...snapshots,
            dataDir,
            datastore: options.datastore,
            log: log.child({ component: 'snapshots' }),
          }),
        (s) => s.stop(),
      );
    // Stopped first: /readyz turns 500 before anything else goes.
    await parts.start('readiness', () =>
      stoppable(() => {
        shutdown.begun = true;
      }),
    );
    return {
      url,
      port: api.port,
      dataDir,
      kubeconfigPath,
      adminToken: tokens.adminToken,
      dashboardLoginUrl: () =>
        `${url}/dashboard/#code=${api.dashboard.loginCode({ kind: 'token', token: tokens.adminToken })}`,
      joinToken: tokens.joinToken,
      loopbackConnection: connect,
      caCertPem: tls.material.caCert,
      metrics: metrics.registry,
      close: () => parts.stop(),
    };
  });
}

interface ServeApiOptions {
  createHandler: () => Promise<ApiHandler>;
  tls: { cert: string; key: string; ca: string };
  authenticator: ReturnType<typeof createAuthenticator>;
  /** The web dashboard over the REST core. */
  dashboard: (handler: ApiHandler) => Dashboard;
  /** True once close began: /readyz then answers 500. */
  isShuttingDown: () => boolean;
  metrics: Awaited<ReturnType<typeof createMetrics>>;
  log: Logger;
  port: number;
  host: string;
  /** How long in-flight requests may take once the listener closed. */
  graceMs: number;
  serverBootstrap?: () => Promise<unknown>;
  requestReadTimeoutMs?: number;
  requestHeadersTimeoutMs?: number;
}

/**
 * The REST core behind the HTTPS listener, as one part because their stop interleaves: stop
 * accepting, end the REST core's watches, give in-flight requests graceMs, then cut the rest.
 * A listener that cannot start closes the REST core again.
 */
async function serveApi(o: ServeApiOptions): Promise<
  Stoppable & {
    port: number;
    handler: ApiHandler;
    dashboard: Dashboard;
    /** Serves new TLS connections with this certificate (open ones keep theirs). */
    setTls(tls: { cert: string; key: string; ca: string }): void;
  }
> {
  const handler = await o.createHandler();
  const dashboard = o.dashboard(handler);
  const ping: HealthCheck = { name: 'ping', check: () => undefined };
  const cache: HealthCheck = {
    name: 'watch-cache',
    check: () => (handler.isReady() ? undefined : 'watch cache not loaded'),
  };
  const shutdown: HealthCheck = {
    name: 'shutdown',
    check: () => (o.isShuttingDown() ? 'server is shutting down' : undefined),
  };
  const { server, port } = await (async () => {
    const { createHttpsServer } = await import('./https-server.js');
    const server = createHttpsServer({
      tls: o.tls,
      authenticator: o.authenticator,
      handler,
      health: { healthz: [ping, cache], livez: [ping], readyz: [ping, cache, shutdown] },
      metrics: o.metrics,
      log: o.log,
      requestTimeoutMs: o.requestReadTimeoutMs,
      headersTimeoutMs: o.requestHeadersTimeoutMs,
      dashboard,
      serverBootstrap: o.serverBootstrap,
    });
    return { server, port: await listen(server, o.port, o.host) };
  })().catch(async (err: unknown) => {
    await handler.close().catch(() => {});
    throw err;
  });
  return {
    port,
    handler,
    dashboard,
    setTls: (tls) => server.setSecureContext(tls),
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await handler.close().catch((err: unknown) => o.log.error({ err }, 'closing the API handler failed'));
      const timer = setTimeout(() => server.closeAllConnections(), o.graceMs);
      await closed;
      clearTimeout(timer);
      o.log.info('API server stopped');
    },
  };
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

/** The audit recorder over its log file; a policy that does not parse stops the start with its error. */
async function openAuditLog(o: AuditOptions) {
  const [{ readFile }, { AuditPolicy }, { AuditLogFile }, { AuditRecorder }] = await Promise.all([
    import('node:fs/promises'),
    import('../apiserver/audit/audit-policy.js'),
    import('../apiserver/audit/audit-log-file.js'),
    import('../apiserver/audit/audit-recorder.js'),
  ]);
  const policy = AuditPolicy.parse(await readFile(o.policyFile, 'utf8'));
  const file = new AuditLogFile({
    path: o.logPath,
    maxSizeMb: o.maxSizeMb,
    maxBackups: o.maxBackups,
    maxAgeDays: o.maxAgeDays,
  });
  return { recorder: new AuditRecorder(policy, file), close: () => file.close() };
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

/** A key file's PEM; the error names the flag (start-up fails rather than run without the key). */
async function readKeyFile(path: string, flag: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${flag} ${path}: ${(err as Error).message}`);
  }
}
