import { join } from 'node:path';
import type { EnvSettings } from '../machinery/config/switches.js';
import { inBackground, Runnables, stoppable } from '../machinery/lifecycle/runnables.js';
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
  /** `up --servers S`: API servers in all (etcd cluster of S members). */
  servers?: number;
  /** `server --cluster-init` / `--join URL --token T [--ca-file F]` / `--etcd-name`: embedded etcd member. */
  clusterInit?: boolean;
  join?: string;
  token?: string;
  caFile?: string;
  etcdName?: string;
  /** `--etcd-members NAME=IP,...` with --cluster-init: a new etcd cluster of these members, bootstrapped together. */
  etcdMembers?: string;
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
    `starting ${mode === 'up' ? upDescription(flags.nodes ?? 1, flags.servers ?? 1) : 'the control plane'} (data dir ${flags.dataDir})`,
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
  // One list: (an etcd member,) the server, then (`up`) the node agent and the extra servers and
  // nodes, which start in the background (a failure leaves the API up) and stop first, in reverse order.
  const parts = new Runnables({ log });
  // `up --servers S`: servers 2..S start once server 1 runs (below) but stop after it: server 1
  // then shuts down (Leases released, endpoints updated) while etcd still has its quorum.
  const extraServers: { starting?: Promise<import('../cluster-nodes/index.js').ClusterServers | undefined> } = {};
  // A restart of `up --servers S`: server 1's member alone has no quorum, so the others start now.
  if (nodesPlan?.servers.length && (await import('node:fs')).existsSync(join(flags.dataDir, 'etcd', 'member'))) {
    const plan = nodesPlan;
    extraServers.starting = import('./up-nodes.js').then(({ startUpServers }) =>
      startUpServers(plan, {
        dataDir: flags.dataDir,
        port: flags.port || 6443,
        log,
        logLevel: flags.logLevel,
        progress: out,
        together: true,
      }),
    );
    extraServers.starting.catch((err: unknown) => {
      log.error({ err }, 'extra servers failed to start');
      out(`extra servers failed to start: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  let etcd: import('../server/embedded-etcd.js').EmbeddedEtcd | undefined;
  try {
    etcd = await startEtcdIfAsked(flags, mode, nodesPlan, parts, log, out);
  } catch (err) {
    log.error({ err }, 'start-up failed');
    out(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await (await extraServers.starting?.catch(() => undefined))?.stop();
    await parts.stop().catch(() => undefined);
    process.exit(1);
  }
  let snapshots: StartServerOptions['snapshots'];
  try {
    // Decided on the store actually used: an embedded etcd takes snapshots by default, as k3s.
    const datastore = etcd?.storeSpec ?? flags.datastore;
    snapshots = (await import('../server/backup/snapshot-flags.js')).snapshotsFromFlags({ ...flags, datastore });
  } catch (err) {
    out(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await (await extraServers.starting?.catch(() => undefined))?.stop();
    await parts.stop().catch(() => undefined);
    process.exit(1);
  }
  if (nodesPlan?.servers.length)
    await parts.start('extra servers', async () =>
      stoppable(async () => (await extraServers.starting?.catch(() => undefined))?.stop()),
    );
  const options: StartServerOptions = {
    dataDir: flags.dataDir,
    datastore: etcd?.storeSpec ?? flags.datastore,
    etcdTls: etcd?.clientTls,
    etcdClientUrls: etcd ? () => [etcd.member.clientUrl] : undefined,
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
  // `up --servers S --nodes N`: the other servers, then the other nodes, once node 1 runs (or
  // failed; their failure leaves the rest up). The nodes stop first, the servers after server 1.
  if (nodesPlan) {
    const plan = nodesPlan;
    await parts.start('extra servers and nodes', () =>
      inBackground(
        agent
          .catch(() => undefined)
          .then(() => import('./up-nodes.js'))
          .then(async ({ startUpNodes, startUpServers, reportNodesReady }) => {
            const o = { dataDir: flags.dataDir, port: server.port, log, logLevel: flags.logLevel, progress: out };
            if (extraServers.starting) await extraServers.starting.catch(() => undefined);
            else {
              extraServers.starting = startUpServers(plan, o);
              await extraServers.starting;
            }
            const nodes = await startUpNodes(plan, o);
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
          log.error({ err }, 'extra servers or nodes failed to start');
          out(`extra servers or nodes failed to start: ${err instanceof Error ? err.message : String(err)}`);
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

/**
 * `server --cluster-init` / `--join`, and `up --servers S` (server 1 starts the cluster on the node
 * bridge address): starts this server's etcd member as the first part of `parts` (stopped last).
 * undefined when none was asked for. Throws an Error naming the flag at fault.
 */
async function startEtcdIfAsked(
  flags: ServeFlags,
  mode: 'server' | 'up',
  nodesPlan: import('./up-nodes.js').UpNodesPlan | undefined,
  parts: Runnables,
  log: import('pino').Logger,
  out: (line: string) => void,
): Promise<import('../server/embedded-etcd.js').EmbeddedEtcd | undefined> {
  const upServers = mode === 'up' && (flags.servers ?? 1) > 1;
  if (!upServers && !flags.clusterInit && !flags.join) {
    if (flags.etcdMembers) throw new Error('--etcd-members goes with --cluster-init');
    return undefined;
  }
  if (flags.clusterInit && flags.join) throw new Error('--cluster-init and --join: one or the other');
  if (flags.etcdMembers && !flags.clusterInit) throw new Error('--etcd-members goes with --cluster-init');
  if (flags.datastore !== 'sqlite' && mode === 'server')
    throw new Error(`--datastore ${flags.datastore}: --cluster-init and --join run their own etcd member`);
  const [
    { defaultAdvertiseAddress },
    { startEmbeddedEtcd, parseEtcdMembers },
    { etcdMemberExists },
    { serverIdentity },
  ] = await Promise.all([
    import('../server/api-endpoints.js'),
    import('../server/embedded-etcd.js'),
    import('../server/etcd-supervisor.js'),
    import('../machinery/leader-election/start-elected.js'),
  ]);
  const { resolve } = await import('node:path');
  const dataDir = resolve(flags.dataDir);
  const staticMembers = flags.etcdMembers
    ? parseEtcdMembers(flags.etcdMembers, {
        name: flags.etcdName,
        address: flags.advertiseAddress ?? defaultAdvertiseAddress(flags.bindAddress),
      })
    : undefined;
  const address = upServers
    ? nodesPlan?.layout.hostIP
    : (staticMembers?.self.address ?? flags.advertiseAddress ?? defaultAdvertiseAddress(flags.bindAddress));
  if (!address) throw new Error('no address for the etcd member: set --advertise-address');
  let joinThrough: string[] | undefined;
  if (flags.join && !etcdMemberExists(join(dataDir, 'etcd'))) {
    if (!flags.token) throw new Error('--join needs --token (the admin token of the server joined)');
    const { readFile } = await import('node:fs/promises');
    const token = flags.token.startsWith('/') ? (await readFile(flags.token, 'utf8')).trim() : flags.token;
    const caPem = flags.caFile ? await readFile(flags.caFile, 'utf8') : undefined;
    const { fetchServerBootstrap, writeServerBootstrap } = await import('../server/cluster-bootstrap.js');
    out(`joining the control plane of ${flags.join}`);
    const bootstrap = await fetchServerBootstrap(flags.join.replace(/\/+$/, ''), token, caPem);
    await writeServerBootstrap(dataDir, bootstrap);
    joinThrough = bootstrap.etcdClientUrls;
  }
  const name =
    staticMembers?.self.name ??
    flags.etcdName ??
    (upServers && nodesPlan ? `${nodesPlan.layout.cluster}-server1` : serverIdentity(dataDir).replace(/_/g, '-'));
  if (upServers && nodesPlan) {
    // Removed last, once server 1 and its etcd member (listening on it) have stopped.
    const plan = nodesPlan;
    const { deleteNodeBridge } = await import('../cluster-nodes/index.js');
    const { stoppable } = await import('../machinery/lifecycle/runnables.js');
    await parts.start('node bridge', async () => stoppable(() => deleteNodeBridge(plan.layout.bridge)));
  }
  return parts.start(
    'etcd member',
    () =>
      startEmbeddedEtcd({
        dataDir,
        address,
        name,
        joinThrough,
        initialCluster: staticMembers?.initialCluster,
        tlsSans: [...flags.tlsSan, ...(nodesPlan?.tlsSans ?? [])],
        log,
        progress: out,
      }),
    (e) => e.stop(),
  );
}

function upDescription(nodes: number, servers: number): string {
  const n = nodes > 1 ? `a cluster of ${nodes} nodes` : 'a single-node cluster';
  return servers > 1 ? `${n} with ${servers} API servers and etcd members` : n;
}
