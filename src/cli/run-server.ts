import { join } from 'node:path';
import type { EnvSettings } from '../machinery/config/switches.js';
import { inBackground, Runnables } from '../machinery/lifecycle/runnables.js';
import type { StartServerOptions } from '../server/start-server.js';
import type { AuthorizationMode } from '../apiserver/authz/modes.js';

/** Options shared by `flotilla server` and `flotilla up`, as commander parses them. */
export interface ServeFlags {
  dataDir: string;
  /** `up --disable-ingress`: node 1 runs no ingress proxy. */
  disableIngress?: boolean;
  datastore: string;
  port: number;
  bindAddress: string;
  /** `--advertise-address`: where pods reach the API (default: see StartServerOptions.advertiseAddress). */
  advertiseAddress?: string;
  tlsSan: string[];
  logLevel: string;
  /** `--log-file`: undefined = the mode's default, '-' = JSON on stderr. */
  logFile?: string;
  disableControllers?: boolean;
  disableScheduler?: boolean;
  /** `--authorization-mode`, parsed (default Node,RBAC: see StartServerOptions.authorizationModes). */
  authorizationMode?: AuthorizationMode[];
  /** `--anonymous-auth` (default true). */
  anonymousAuth?: boolean;
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** Addresses of the built-in LoadBalancer provider (controllers/servicelb parseLbPool syntax). */
  serviceLbPool?: string;
  /** Write worker threads (0 = off; default: CPUs - 1, at least 1). */
  writeWorkers?: number;
  /** `--encryption-provider-config`: EncryptionConfiguration file (default <data-dir>/cred/encryption-config.yaml). */
  encryptionProviderConfig?: string;
  /** The audit log flags (kube-apiserver's names). */
  auditPolicyFile?: string;
  auditLogPath?: string;
  auditLogMaxsize?: number;
  auditLogMaxbackup?: number;
  auditLogMaxage?: number;
  /** `--pod-security-default` and `--admission-control-config-file` (see pod-security-flags.ts). */
  podSecurityDefault?: string;
  admissionControlConfigFile?: string;
  requestReadTimeout?: number;
  /** The ServiceAccount token flags (kube-apiserver's names). */
  serviceAccountIssuer?: string[];
  apiAudiences?: string[];
  serviceAccountSigningKeyFile?: string;
  serviceAccountKeyFile?: string[];
  serviceAccountJwksUri?: string;
  /** `--snapshot-schedule` (cron, 'off'), `--snapshot-retention`, `--snapshot-dir`: scheduled store snapshots. */
  snapshotSchedule?: string;
  snapshotRetention?: number;
  snapshotDir?: string;
  /** `up` only: nodes in all (extra ones in network namespaces, src/cli/up-nodes.ts), cluster name, node bridge subnet. */
  nodes?: number;
  clusterName?: string;
  nodeSubnet?: string;
}

/**
 * Runs the server in the foreground until SIGINT or SIGTERM: prints progress and, once listening,
 * how to use the cluster; on the first signal shuts down gracefully (the store is closed and
 * checkpointed) and exits 0; a second signal exits at once. A start-up failure prints the reason
 * and exits 1. `mode` only changes the wording ('up' will also start the node agent).
 */
export async function runServer(flags: ServeFlags, mode: 'server' | 'up', settings: EnvSettings): Promise<void> {
  const out = (line: string): void => {
    process.stdout.write(`flotilla: ${line}\n`);
  };
  out(
    `starting ${mode === 'up' ? ((flags.nodes ?? 1) > 1 ? `a cluster of ${flags.nodes} nodes` : 'a single-node cluster') : 'the control plane'} (data dir ${flags.dataDir})`,
  );
  const [{ createLogger }, { startServer }] = await Promise.all([
    import('../server/create-logger.js'),
    import('../server/start-server.js'),
  ]);
  // `up` is run by a person at a terminal: progress and readable warnings there, the JSON in a file.
  const logFile =
    flags.logFile === '-'
      ? undefined
      : (flags.logFile ?? (mode === 'up' ? join(flags.dataDir, 'logs', 'flotilla.log') : undefined));
  const log = createLogger(flags.logLevel, logFile);
  if (logFile) out(`logs: ${logFile} (warnings and errors are shown here too)`);
  let nodesPlan: import('./up-nodes.js').UpNodesPlan | undefined;
  if (mode === 'up') {
    try {
      nodesPlan = await (await import('./up-nodes.js')).prepareUpNodes(flags);
    } catch (err) {
      out(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    }
  }
  let serviceLbPool: string[] | undefined;
  try {
    serviceLbPool = flags.serviceLbPool
      ? (await import('../controllers/servicelb/lb-addresses.js')).parseLbPool(flags.serviceLbPool)
      : undefined;
  } catch (err) {
    out(`start-up failed: --service-lb-pool: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  let podSecurity: StartServerOptions['podSecurity'];
  try {
    podSecurity = await (await import('./pod-security-flags.js')).podSecurityFromFlags(flags, mode);
  } catch (err) {
    out(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  let snapshots: StartServerOptions['snapshots'];
  try {
    snapshots = await (await import('../server/backup/snapshot-flags.js')).snapshotsFromFlags(flags);
  } catch (err) {
    out(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const options: StartServerOptions = {
    dataDir: flags.dataDir,
    datastore: flags.datastore,
    port: flags.port,
    host: flags.bindAddress,
    advertiseAddress: flags.advertiseAddress,
    tlsSans: [...flags.tlsSan, ...(nodesPlan?.tlsSans ?? [])],
    log,
    progress: out,
    controllers: !flags.disableControllers,
    scheduler: !flags.disableScheduler,
    authorizationModes: flags.authorizationMode,
    anonymousAuth: flags.anonymousAuth,
    podSecurity,
    defaultTolerationSeconds: {
      notReady: flags.defaultNotReadyTolerationSeconds ?? 5,
      unreachable: flags.defaultUnreachableTolerationSeconds ?? 5,
    },
    serviceLbPool,
    writeWorkers: flags.writeWorkers,
    encryptionProviderConfig: flags.encryptionProviderConfig,
    audit: flags.auditPolicyFile
      ? {
          policyFile: flags.auditPolicyFile,
          logPath: flags.auditLogPath ?? join(flags.dataDir, 'logs', 'audit.log'),
          maxSizeMb: flags.auditLogMaxsize,
          maxBackups: flags.auditLogMaxbackup,
          maxAgeDays: flags.auditLogMaxage,
        }
      : undefined,
    requestReadTimeoutMs: flags.requestReadTimeout === undefined ? undefined : flags.requestReadTimeout * 1000,
    controllerSettings: settings.controllers,
    metricsTtlMs: settings.metricsTtlMs,
    snapshots,
    serviceAccountTokens: {
      issuers: flags.serviceAccountIssuer,
      apiAudiences: flags.apiAudiences,
      signingKeyFile: flags.serviceAccountSigningKeyFile,
      keyFiles: flags.serviceAccountKeyFile,
      jwksUri: flags.serviceAccountJwksUri,
    },
  };
  // One list: the server, then (`up`) the node agent and the extra nodes, which start in the
  // background (a failure leaves the API up) and stop first, in reverse order.
  const parts = new Runnables({ log });
  const server = await parts
    .start(
      'API server',
      () => startServer(options),
      (s) => s.close(),
    )
    .catch((err: unknown) => {
      log.error({ err }, 'start-up failed');
      out(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
      return process.exit(1);
    });
  out(`ready: API at ${server.url}; admin kubeconfig at ${server.kubeconfigPath}`);
  process.stdout.write(`
  export KUBECONFIG=${server.kubeconfigPath}
  kubectl get namespaces

Cluster join token: ${server.dataDir}/token. Stop with Ctrl-C.
`);
  if (mode === 'up') {
    process.stdout.write(`Dashboard (one-time login link, valid for 5 minutes):\n  ${server.dashboardLoginUrl()}\n\n`);
    // A missing or too old kubectl (Debian 12's is 1.20) is the first surprise a person meets: say so now.
    void import('./kubectl-fit.js').then(async ({ findOnPath, clientMinor, kubectlAdvice }) => {
      const path = findOnPath('kubectl');
      const advice = kubectlAdvice({ path, minor: path ? await clientMinor(path) : undefined });
      if (advice) out(advice);
    });
  }

  // `up` runs the node agent in this process (src/cli/agent.ts startUpAgent).
  const agent =
    mode === 'up'
      ? import('./agent.js')
          .then(({ startUpAgent }) =>
            startUpAgent({
              dataDir: flags.dataDir,
              connect: server.loopbackConnection,
              log,
              progress: out,
              nodeIP: nodesPlan?.nodeIP,
              bridge: nodesPlan?.podBridge,
              blackholeRoutes: nodesPlan?.blackholeRoutes,
              busybox: settings.busybox,
              ingress: !flags.disableIngress,
            }),
          )
          .then((a) => {
            out(`node agent running: node ${a.nodeName}`);
            return a;
          })
      : Promise.resolve(undefined);
  await parts.start('node agent', () =>
    inBackground(agent, (err) => {
      log.error({ err }, 'node agent failed to start');
      out(`node agent failed to start: ${err instanceof Error ? err.message : String(err)}`);
    }),
  );
  // `up --nodes N`: the other nodes, once node 1 runs (or failed; their failure leaves the rest up).
  if (nodesPlan) {
    const plan = nodesPlan;
    await parts.start('extra nodes', () =>
      inBackground(
        agent
          .catch(() => undefined)
          .then(() => import('./up-nodes.js'))
          .then(async ({ startUpNodes, reportNodesReady }) => {
            const nodes = await startUpNodes(plan, {
              dataDir: flags.dataDir,
              port: server.port,
              log,
              logLevel: flags.logLevel,
              progress: out,
            });
            // Then how the nodes come Ready, each as the API sees it (node 1 included when it runs).
            const first = await agent.catch(() => undefined);
            const report = reportNodesReady({
              names: [...(first ? [first.nodeName] : []), ...plan.layout.nodes.map((n) => n.name)],
              connect: server.loopbackConnection,
              progress: out,
            });
            return {
              stop: async () => {
                await report.stop();
                await nodes?.stop();
              },
            };
          }),
        (err) => {
          log.error({ err }, 'extra nodes failed to start');
          out(`extra nodes failed to start: ${err instanceof Error ? err.message : String(err)}`);
        },
      ),
    );
  }
  let signalled = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (signalled) {
      out(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    signalled = true;
    out(`${signal}: shutting down`);
    parts.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
