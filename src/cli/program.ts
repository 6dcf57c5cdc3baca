/**
 * The command tree of `flotilla`. Kept light: only commander loads before a subcommand runs; each
 * command imports what it needs when it runs (start-up time to a served /readyz is a goal).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ServeFlags } from './run-server.js';
import { parseSettings, type EnvSettings } from '../machinery/config/switches.js';
import { type AuthorizationMode, parseAuthorizationModes } from '../apiserver/authz/modes.js';
import { parseQuantity } from '../api/validation/quantity.js';

export const DEFAULT_DATA_DIR = '/var/lib/flotilla';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function parseDatastore(value: string): string {
  if (value === 'sqlite' || value === 'memory' || /^etcd:\/\/[^,\s]+(,[^,\s]+)*$/.test(value)) return value;
  throw new InvalidArgumentError('must be sqlite, memory or etcd://HOST:PORT[,HOST:PORT...]');
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of seconds');
  return n;
}

function logMaxSize(value: string): number {
  const n = parseQuantity(value);
  if (n === undefined || !Number.isInteger(n) || n < 1024)
    throw new InvalidArgumentError('must be a size of at least 1Ki, such as 10Mi');
  return n;
}

function logMaxFiles(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError('must be a whole number of at least 2');
  return n;
}

function podMaxPids(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || (n < 1 && n !== -1))
    throw new InvalidArgumentError('must be a positive whole number, or -1');
  return n;
}

function authorizationModes(value: string): AuthorizationMode[] {
  try {
    return parseAuthorizationModes(value);
  } catch (err) {
    throw new InvalidArgumentError(
      err instanceof Error ? err.message.replace(/^--authorization-mode: /, '') : String(err),
    );
  }
}

/** A boolean flag's value as Go's flag package takes it (`--anonymous-auth=false`). */
function parseBool(value: string): boolean {
  if (['true', 't', '1', 'TRUE', 'True', 'T'].includes(value)) return true;
  if (['false', 'f', '0', 'FALSE', 'False', 'F'].includes(value)) return false;
  throw new InvalidArgumentError('must be true or false');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function serveOptions(cmd: Command, withDatastore: boolean, settings: EnvSettings): Command {
  cmd
    .option('--data-dir <dir>', 'database, TLS material, tokens and kubeconfig', DEFAULT_DATA_DIR)
    .option('--port <port>', 'HTTPS port of the Kubernetes API', parsePort, 6443)
    .option('--bind-address <ip>', 'address to listen on', '0.0.0.0')
    .option('--tls-san <name>', 'extra host name or IP for the serving certificate (repeatable)', collect, [])
    .option(
      '--advertise-address <ip>',
      "address pods reach the API at (the kubernetes Service's endpoint; default: the bind address, or the host's first IPv4 when that is 0.0.0.0)",
    )
    .addOption(
      new Option('--log-level <level>', 'log level of the JSON logs on stderr')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
        .default(settings.logLevel ?? 'info'),
    )
    .option(
      '--log-file <path>',
      "JSON logs to this file, warnings and errors as text on stderr ('-': JSON on stderr; the default of `server`; `up` defaults to <data-dir>/logs/flotilla.log)",
    )
    .option('--disable-controllers', 'do not run the built-in controllers (garbage collector, workloads, nodes, ...)')
    .option('--disable-scheduler', 'do not run the scheduler')
    .option(
      '--authorization-mode <modes>',
      'Node,RBAC (default: the Node authorizer, each node reads only what its pods use, then RBAC), RBAC (the system:nodes group bound to the system:node role instead), or AlwaysAllow (every authenticated request allowed)',
      authorizationModes,
    )
    .option(
      '--anonymous-auth [bool]',
      'requests without credentials run as system:anonymous (group system:unauthenticated) and are authorized like any user; =false answers them 401 (default true; off with AlwaysAllow)',
      parseBool,
    )
    .option(
      '--default-not-ready-toleration-seconds <s>',
      'tolerationSeconds new pods get for the not-ready:NoExecute taint',
      (v) => nonNegativeInt(v),
      5,
    )
    .option(
      '--default-unreachable-toleration-seconds <s>',
      'tolerationSeconds new pods get for the unreachable:NoExecute taint',
      (v) => nonNegativeInt(v),
      5,
    )
    .option(
      '--request-read-timeout <s>',
      'seconds a client has to send a whole request, headers and body (0 = no limit); streams that follow a request (watch, logs, exec) are not cut',
      (v) => nonNegativeInt(v),
      60,
    )
    .option(
      '--write-workers <n>',
      'worker threads that prepare creates beside the main thread (0 = off; default: CPUs - 1, at least 1)',
      (v) => nonNegativeInt(v),
    )
    .option(
      '--encryption-provider-config <file>',
      'EncryptionConfiguration for Secrets at rest (default <data-dir>/cred/encryption-config.yaml, made with a new key for a new cluster)',
    )
    .option('--audit-policy-file <file>', 'audit.k8s.io/v1 Policy: turns the audit log on')
    .option(
      '--audit-log-path <file>',
      'where audit events go, one JSON line each; - = stdout (default <data-dir>/logs/audit.log)',
    )
    .option(
      '--audit-log-maxsize <mb>',
      'megabytes before the audit log is rotated (0 = never)',
      (v) => nonNegativeInt(v),
      100,
    )
    .option('--audit-log-maxbackup <n>', 'rotated audit logs kept (0 = all)', (v) => nonNegativeInt(v), 10)
    .option('--audit-log-maxage <days>', 'days a rotated audit log is kept (0 = forever)', (v) => nonNegativeInt(v), 0)
    .option(
      '--pod-security-default <policy>',
      'Pod Security levels for namespaces without pod-security.kubernetes.io labels: enforce=LEVEL,audit=LEVEL,warn=LEVEL[,MODE-version=v1.N] or one level for all modes (default: privileged for server; enforce=baseline,audit=restricted,warn=restricted with kube-system exempt for up)',
    )
    .option(
      '--admission-control-config-file <file>',
      'AdmissionConfiguration file (as kube-apiserver): the PodSecurity plugin entry gives defaults and exemptions (usernames, runtimeClasses, namespaces)',
    )
    .option(
      '--service-account-issuer <url>',
      'iss of ServiceAccount tokens (repeatable: the first issues, all are accepted; OIDC discovery follows the first; default https://kubernetes.default.svc.cluster.local)',
      collect,
      [],
    )
    .option(
      '--api-audiences <list>',
      'audiences the API accepts in tokens, comma-separated (default: the issuers)',
      (v) =>
        v
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== ''),
    )
    .option(
      '--service-account-signing-key-file <file>',
      'RSA private key (PEM) ServiceAccount tokens are signed with; servers sharing a store share it (default <data-dir>/tls/service-account.key, made on first start)',
    )
    .option(
      '--service-account-key-file <file>',
      "further RSA key (PEM, public or private) whose tokens are accepted and published in the JWKS, e.g. another server's (repeatable)",
      collect,
      [],
    )
    .option(
      '--service-account-jwks-uri <url>',
      'the key set URL in /.well-known/openid-configuration (default: /openid/v1/jwks on the host the request came to)',
    )
    .option(
      '--service-lb-pool <addrs>',
      "addresses for LoadBalancer Services: IPs, ranges a-b and CIDRs, comma-separated (default: the Ready nodes' InternalIPs)",
    );
  cmd
    .option(
      '--snapshot-schedule <cron>',
      "store snapshots (whole backups) on this cron schedule, as k3s' --etcd-snapshot-schedule-cron ('off': none; default '0 */12 * * *' on etcd, off on SQLite)",
    )
    .option('--snapshot-retention <n>', 'scheduled snapshots kept, the oldest pruned (default 5)', (v) =>
      positiveInt(v),
    )
    .option('--snapshot-dir <dir>', 'where scheduled snapshots go (default <data-dir>/db/snapshots)');
  if (withDatastore)
    cmd.option(
      '--datastore <spec>',
      'sqlite (in the data dir), memory, or etcd://HOST:PORT[,HOST:PORT...]',
      parseDatastore,
      'sqlite',
    );
  return cmd;
}

/**
 * Builds the command tree (exported for tests: parse with `{ from: 'user' }`). `settings` are the
 * FLOTILLA_* environment settings main.ts reads once (default: none set); commands pass them down.
 */
export function buildProgram(settings: EnvSettings = parseSettings({})): Command {
  const program = new Command('flotilla')
    .description('A container orchestrator that speaks the Kubernetes API')
    .version('0.1.0');

  serveOptions(program.command('server').description('run the control plane (Kubernetes API server)'), true, settings)
    .option(
      '--cluster-init',
      'run an etcd member beside this server (the etcd binary, supervised, TLS from the cluster CA) and start a new etcd cluster with it: the store of a highly available control plane (others --join)',
    )
    .option(
      '--join <url>',
      'join the control plane of the server at URL (https://HOST:6443): take its CA, keys and tokens (needs --token), add an etcd member beside this server to its etcd cluster and use it as the store',
    )
    .option(
      '--token <token>',
      'with --join: the admin token of the server joined (<data-dir>/admin-token there), or an absolute path to a file holding it',
    )
    .option(
      '--ca-file <file>',
      "with --join: the joined server's CA certificate (default: taken from its /cacerts unchecked)",
    )
    .option('--etcd-name <name>', 'name of the etcd member (default: host name and a hash of the data dir)')
    .option(
      '--etcd-members <list>',
      "with --cluster-init: NAME=IP,NAME=IP,... every member of a new etcd cluster, each server started with the same list (this one is --etcd-name's entry, else the one at --advertise-address); the servers must share the first one's CA, keys and tokens (tls/ca.crt, tls/ca.key, tls/service-account.key, admin-token, token, cred/encryption-config.yaml)",
    )
    .action(async (flags: ServeFlags) => {
      const { runServer } = await import('./run-server.js');
      await runServer(flags, 'server', settings);
    });

  serveOptions(
    program
      .command('up')
      .description(
        'run a cluster on this machine: server and node 1 in one process (SQLite store), --nodes N adds nodes in network namespaces',
      ),
    false,
    settings,
  )
    .option(
      '--nodes <n>',
      'nodes in all: node 1 is this host, the others run in network namespaces on a node bridge',
      (v) => positiveInt(v),
      1,
    )
    .option(
      '--cluster-name <name>',
      "prefix of the extra nodes' names, namespaces, veths and bridge (not flotilla: node 1 gets pod bridge <name>0 and no blackhole routes)",
      'flotilla',
    )
    .option('--node-subnet <cidr>', 'private subnet of the node bridge (this host .1, node i .i)', '10.44.0.0/24')
    .option(
      '--servers <n>',
      'API servers in all, each with an etcd member (the store is then etcd, not SQLite): server 1 is this process, the others run in network namespaces on the node bridge (from its top address down)',
      (v) => positiveInt(v),
      1,
    )
    .option('--disable-ingress', "do not run node 1's ingress proxy (HAProxy on ports 80 and 443)")
    .action(async (flags: Omit<ServeFlags, 'datastore'>) => {
      const { runServer } = await import('./run-server.js');
      await runServer({ ...flags, datastore: 'sqlite' }, 'up', settings);
    });
  program
    .command('hollow-nodes')
    .description('run N hollow (fake) nodes in one process, for scale tests')
    .option('--server <url>', 'API server URL (with --token)')
    .option('--token <token>', 'cluster join token (<data-dir>/token of the server)')
    .option(
      '--ca-file <path>',
      'CA certificate of the server (default: fetched from /cacerts and checked against the token)',
    )
    .option('--kubeconfig <path>', 'connect with a kubeconfig instead of --server/--token')
    .option('--count <n>', 'number of nodes', (v) => positiveInt(v), 1)
    .option('--name-prefix <prefix>', 'node names are <prefix><index>', 'hollow-')
    .option('--first-index <n>', 'index of the first node', (v) => positiveInt(v, true), 0)
    .option('--cpu <q>', 'cpu capacity of each node', '8')
    .option('--memory <q>', 'memory capacity of each node', '32Gi')
    .option('--pods <n>', 'pod capacity of each node', '110')
    .option('--lease-interval-ms <ms>', 'Lease renewal period of each node', (v) => positiveInt(v), 2000)
    .option('--pod-start-delay-ms <ms>', 'delay before a bound pod is reported Running', (v) => positiveInt(v, true), 0)
    .option(
      '--fake-metrics',
      'serve fake pod/node usage (annotations flotilla.dev/fake-cpu, fake-memory) for kubectl top and the HPA',
    )
    .addOption(
      new Option('--log-level <level>', 'log level of the JSON logs on stderr')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
        .default(settings.logLevel ?? 'warn'),
    )
    .action(async (flags: import('./hollow-nodes.js').HollowNodesFlags) => {
      const { runHollowNodes } = await import('./hollow-nodes.js');
      await runHollowNodes(flags);
    });
  // Node agent and image commands.
  program
    .command('agent')
    .description('run a node agent: pods bound to this node run as runc containers')
    .requiredOption('--server <url>', 'API server URL, e.g. https://10.0.0.1:6443')
    .requiredOption(
      '--token <token>',
      "cluster join token, or an absolute path to a file holding it (the server's <data-dir>/token)",
    )
    .option('--data-dir <dir>', 'images, pod state, logs', DEFAULT_DATA_DIR)
    .option('--node-name <name>', 'node name (default: the host name)')
    .option('--node-ip <ip>', 'node InternalIP (default: the first non-loopback IPv4 address)')
    .option('--ca-file <file>', "CA of the API server (default: pinned from the server by the token's hash)")
    .option('--vxlan', 'reach nodes that are not on a shared segment over VXLAN (UDP 8472, link flotilla.1)')
    .option(
      '--server-balancer',
      'reach the API through a local load balancer over every server of the kubernetes endpoints (127.0.0.1, a free port), failing over when one dies; --server is the first and the last resort',
    )
    .option(
      '--image-gc-high-threshold <percent>',
      "disk usage of the images' file system at which unused images are deleted, least recently used first (100: never)",
      '85',
    )
    .option('--image-gc-low-threshold <percent>', 'disk usage image GC frees down to (below the high threshold)', '80')
    .option(
      '--container-log-max-size <size>',
      "a container's log is rotated when it reaches this size (a quantity: 10Mi)",
      logMaxSize,
      10 * 1024 * 1024,
    )
    .option('--container-log-max-files <n>', 'log files kept per container, the live one included', logMaxFiles, 5)
    .option('--pod-max-pids <n>', 'processes (and threads) a pod may run at once; -1: no cap', podMaxPids, -1)
    .option(
      '--allowed-unsafe-sysctls <list>',
      'comma-separated sysctls (or prefix* patterns, namespaced ones only) pods may set beyond the safe set',
    )
    .option('--seccomp-default', 'give containers without a seccompProfile the RuntimeDefault profile')
    .option('--disable-ingress', 'do not run the ingress proxy (HAProxy serving Ingresses of the flotilla class)')
    .option('--ingress-http-port <port>', 'node port the ingress proxy serves HTTP on', parsePort, 80)
    .option(
      '--ingress-https-port <port>',
      'node port the ingress proxy serves HTTPS on (certificate by SNI)',
      parsePort,
      443,
    )
    .option(
      '--ingress-metrics-port <port>',
      "port of the ingress proxy's Prometheus /metrics (0: none)",
      parsePort,
      10254,
    )
    .addOption(
      new Option('--log-level <level>', 'log level of the JSON logs on stderr')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
        .default(settings.logLevel ?? 'info'),
    )
    .action(async (flags: import('./agent.js').AgentFlags) => {
      const { runAgent } = await import('./agent.js');
      await runAgent(flags, settings);
    });
  program
    .command('killall')
    .description(
      'stop every container of the data dir and remove its mounts, namespaces, veths, bridge and blackhole routes',
    )
    .option('--data-dir <dir>', 'data dir of the node', DEFAULT_DATA_DIR)
    .action(async (flags: import('./killall.js').KillAllFlags) => (await import('./killall.js')).runKillAll(flags));
  program
    .command('secrets-encrypt <action>')
    .description(
      'encryption of Secrets at rest on a running server: status, rotate (new key, every Secret rewritten, old keys retired) or reencrypt (after editing the configuration file)',
    )
    .option('--data-dir <dir>', 'data dir of the server', DEFAULT_DATA_DIR)
    .action(async (action: string, flags: { dataDir: string }) =>
      (await import('./secrets-encrypt.js')).runSecretsEncrypt(action, flags),
    );
  const storeOptions = (cmd: Command): Command =>
    cmd
      .option('--data-dir <dir>', 'data dir of the server (TLS material, tokens; the SQLite store)', DEFAULT_DATA_DIR)
      .option(
        '--datastore <spec>',
        "the server's store: sqlite (in the data dir), etcd://HOST:PORT[,...] or https://HOST:PORT[,...] (etcd with TLS)",
        (v) => (/^https:\/\/[^,\s]+(,https:\/\/[^,\s]+)*$/.test(v) ? v : parseDatastore(v)),
        'sqlite',
      )
      .option('--etcd-cafile <file>', 'CA of an etcd with TLS (default for https://: <data-dir>/tls/etcd/ca.crt)')
      .option('--etcd-certfile <file>', 'client certificate towards etcd')
      .option('--etcd-keyfile <file>', 'client key towards etcd');
  storeOptions(
    program
      .command('backup')
      .description(
        "back up a server's store (SQLite online backup or etcd snapshot, taken while it runs) with its CA, keys, tokens and encryption configuration",
      ),
  )
    .option('--out <file>', 'archive to write (default ./flotilla-backup-<host>-<unix time>.tar.gz)')
    .action(async (flags: import('./backup.js').BackupFlags) => (await import('./backup.js')).runBackup(flags));
  program
    .command('restore <file>')
    .description('restore a backup (or snapshot) into a data dir; start a server on it afterwards')
    .requiredOption('--data-dir <dir>', 'data dir to restore into (must be empty unless --force)')
    .option('--force', 'overwrite the store, TLS material and tokens of a non-empty data dir')
    .option('--etcd-data-dir <dir>', 'etcd backups: where the restored etcd data dir goes (default <data-dir>/etcd)')
    .option('--etcd-name <name>', 'etcd backups: name of the member that will run on it', 'default')
    .option('--etcd-peer-url <url>', 'etcd backups: its peer URL', 'http://localhost:2380')
    .action(async (file: string, flags: import('./backup.js').RestoreFlags) =>
      (await import('./backup.js')).runRestore(file, flags),
    );
  storeOptions(
    program
      .command('snapshot <action>')
      .description(
        'store snapshots in the snapshot dir: save (one now), ls, prune (keep the newest --snapshot-retention)',
      ),
  )
    .option('--snapshot-dir <dir>', 'where snapshots are kept (default <data-dir>/db/snapshots)')
    .option('--snapshot-retention <n>', 'snapshots prune keeps', (v) => positiveInt(v), 5)
    .option('--name <name>', 'name prefix of the snapshots saved or pruned', 'flotilla-snapshot')
    .action(async (action: string, flags: import('./backup.js').SnapshotFlags) =>
      (await import('./backup.js')).runSnapshot(action, flags),
    );
  program
    .command('migrate')
    .description(
      "copy a stopped server's SQLite store into an empty etcd cluster; then start it with --datastore etcd://...",
    )
    .requiredOption('--to-etcd <endpoints>', 'etcd client endpoints, HOST:PORT[,HOST:PORT...] or etcd://...')
    .option('--data-dir <dir>', 'data dir of the server', DEFAULT_DATA_DIR)
    .action(async (flags: { dataDir: string; toEtcd: string }) => (await import('./backup.js')).runMigrate(flags));
  program
    .command('certificate <action>')
    .description(
      "the server's certificates: check (subjects, expiry), rotate (new serving and client certificates from the same CA; a running server serves the new one without a restart)",
    )
    .option('--data-dir <dir>', 'data dir of the server', DEFAULT_DATA_DIR)
    .action(async (action: string, flags: { dataDir: string }) =>
      (await import('./certificate.js')).runCertificate(action, flags),
    );
  program
    .command('kubeconfig')
    .description(
      'write a kubeconfig for a user: a client certificate issued through the CSR API, approved with the admin kubeconfig',
    )
    .requiredOption('--user <name>', 'user name (the certificate CN)')
    .option('--group <group>', 'group of the user (the certificate O; repeatable)', collect, [])
    .option('--out <file>', 'write the kubeconfig to this file (mode 0600) instead of stdout')
    .option('--data-dir <dir>', 'server data dir, whose admin kubeconfig.yaml is used', DEFAULT_DATA_DIR)
    .option('--kubeconfig <path>', 'admin kubeconfig to request and approve with (default <data-dir>/kubeconfig.yaml)')
    .option('--expiration-seconds <n>', "requested validity in seconds (default the signer's: one year)", (v) =>
      positiveInt(v),
    )
    .action(async (flags: import('./kubeconfig-user.js').KubeconfigUserFlags) =>
      (await import('./kubeconfig-user.js')).runKubeconfigUser(flags),
    );
  program
    .command('dashboard')
    .description("print a one-time login link to the web dashboard of a running server, for the kubeconfig's user")
    .option('--data-dir <dir>', 'server data dir, whose admin kubeconfig.yaml is used', DEFAULT_DATA_DIR)
    .option('--kubeconfig <path>', "log in as this kubeconfig's user (default <data-dir>/kubeconfig.yaml)")
    .action(async (flags: import('./dashboard-link.js').DashboardLinkFlags) =>
      (await import('./dashboard-link.js')).runDashboardLink(flags),
    );
  program
    .command('get-kubectl')
    .description(
      'install a kubectl that fits this server (the newest 1.<minor> patch release from dl.k8s.io, sha256 checked)',
    )
    .option('--dir <dir>', 'install <dir>/kubectl', '/usr/local/bin')
    .option('--minor <n>', "kubectl 1.<n> (default the server's)")
    .option('--from <url>', 'release host (a mirror of https://dl.k8s.io/release)')
    .action(async (flags: import('./kubectl-fit.js').GetKubectlFlags) =>
      (await import('./kubectl-fit.js')).runGetKubectl(flags),
    );
  const images = program.command('images').description("manage the node's images");
  images
    .command('import <file>')
    .description('import an OCI-layout or docker-save tar archive')
    .option('--data-dir <dir>', 'data dir of the node', DEFAULT_DATA_DIR)
    .option('--name <ref>', 'name for images the archive leaves unnamed')
    .option('--no-pin', 'let image garbage collection remove the images (imported images are pinned by default)')
    .action(async (file: string, flags: { dataDir: string; name?: string; pin?: boolean }) =>
      (await import('./images.js')).importImages(file, { ...flags, logLevel: settings.logLevel }),
    );
  images
    .command('pull <ref>')
    .description('pull an image from its registry (mirrors and credentials from <data-dir>/registries.yaml)')
    .option('--data-dir <dir>', 'data dir of the node', DEFAULT_DATA_DIR)
    .option('--creds <user:password>', 'registry credentials')
    .action(async (ref: string, flags: { dataDir: string; creds?: string }) =>
      (await import('./images.js')).pullImage(ref, { ...flags, logLevel: settings.logLevel }),
    );
  images
    .command('ls')
    .description('list images')
    .option('--data-dir <dir>', 'data dir of the node', DEFAULT_DATA_DIR)
    .action(async (flags: { dataDir: string }) =>
      (await import('./images.js')).listImages({ ...flags, logLevel: settings.logLevel }),
    );
  images
    .command('rm <ref>')
    .description('remove an image')
    .option('--data-dir <dir>', 'data dir of the node', DEFAULT_DATA_DIR)
    .action(async (ref: string, flags: { dataDir: string }) =>
      (await import('./images.js')).removeImage(ref, { ...flags, logLevel: settings.logLevel }),
    );
  images
    .command('build-busybox <file>')
    .description("write a busybox OCI archive from the machine's busybox (the offline default image)")
    .action(async (file: string) => (await import('./images.js')).buildBusybox(file));
  return program;
}

function positiveInt(value: string, zeroOk = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1))
    throw new InvalidArgumentError(zeroOk ? 'must be a non-negative integer' : 'must be a positive integer');
  return n;
}
