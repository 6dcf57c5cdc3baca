import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import type { EnvSettings } from '../machinery/config/switches.js';
import { compose } from '../machinery/lifecycle/runnables.js';

/** Options of `flotilla agent`, as commander parses them. */
export interface AgentFlags {
  server: string;
  token: string;
  dataDir: string;
  nodeName?: string;
  nodeIp?: string;
  caFile?: string;
  logLevel: string;
  /** Reach nodes that are not on a shared segment over VXLAN. */
  vxlan?: boolean;
  /** Image GC thresholds in percent, as typed (checked by imageGCFlags). */
  imageGcHighThreshold?: string;
  imageGcLowThreshold?: string;
  /** Comma-separated sysctl names or `prefix*` patterns, as the kubelet's --allowed-unsafe-sysctls. */
  allowedUnsafeSysctls?: string;
  /** RuntimeDefault seccomp for containers naming no profile (the kubelet's --seccomp-default). */
  seccompDefault?: boolean;
  /** Container log rotation (the kubelet's --container-log-max-size / --container-log-max-files). */
  containerLogMaxSize?: number;
  containerLogMaxFiles?: number;
  /** Processes per pod; -1 none (the kubelet's --pod-max-pids). */
  podMaxPids?: number;
  /** No ingress proxy on this node. */
  disableIngress?: boolean;
  /** Ports of the ingress proxy (HTTP, HTTPS, metrics; 0 metrics = none). */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  ingressMetricsPort?: number;
  /**
   * Reach the API through a local TCP balancer over every server of the `kubernetes` endpoints,
   * failing over when one dies (k3s' agent load balancer); --server is the first and the last resort.
   */
  serverBalancer?: boolean;
}

/**
 * The image GC thresholds of `flotilla agent` as numbers, checked (integers 0-100, low below high):
 * throws ImageGCPolicyError with a message naming the flag. Absent flags keep the defaults (85/80).
 */
export async function imageGCFlags(
  flags: Pick<AgentFlags, 'imageGcHighThreshold' | 'imageGcLowThreshold'>,
): Promise<{ highThresholdPercent: number; lowThresholdPercent: number }> {
  const { imageGCPolicy, ImageGCPolicyError, DEFAULT_IMAGE_GC_POLICY } = await import('../agent/images/image-gc.js');
  const percent = (flag: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!/^\s*\d+\s*$/.test(v))
      throw new ImageGCPolicyError(`${flag} must be an integer percent between 0 and 100, got "${v}"`);
    return Number(v);
  };
  const { highThresholdPercent, lowThresholdPercent } = imageGCPolicy({
    highThresholdPercent: percent(
      '--image-gc-high-threshold',
      flags.imageGcHighThreshold,
      DEFAULT_IMAGE_GC_POLICY.highThresholdPercent,
    ),
    lowThresholdPercent: percent(
      '--image-gc-low-threshold',
      flags.imageGcLowThreshold,
      DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent,
    ),
  });
  return { highThresholdPercent, lowThresholdPercent };
}

/**
 * Runs the node agent in the foreground until SIGINT or SIGTERM (containers keep running under
 * conmon when it stops). The server's CA comes from --ca-file, or from the server's TLS chain
 * pinned by the join token's `K10<sha256 of the CA PEM>` prefix. The join token only bootstraps:
 * the agent talks to the API with its own client certificate `system:node:<name>` (requested with
 * the token through a CertificateSigningRequest, kept in `<data-dir>/pki/node-client.pem`, renewed
 * before it expires). Its server's kubelet-serving certificate is requested with that client
 * certificate (`<data-dir>/pki/node-serving.pem`, see agent/certificates).
 */
export async function runAgent(flags: AgentFlags, settings: EnvSettings): Promise<void> {
  const out = (line: string): void => {
    process.stdout.write(`flotilla agent: ${line}\n`);
  };
  const [
    { createLogger },
    { createClient },
    { startNode },
    { defaultNodeName },
    { NodeClientCertificate },
    { pullProgressPrinter },
  ] = await Promise.all([
    import('../server/create-logger.js'),
    import('../machinery/client/index.js'),
    import('../server/start-node.js'),
    import('../agent/node/index.js'),
    import('../agent/certificates/index.js'),
    import('./pull-progress.js'),
  ]);
  const log = createLogger(flags.logLevel);
  try {
    const imageGC = await imageGCFlags(flags);
    // --token takes the token or a file holding it (e.g. the server's <data-dir>/token): keeps it out of `ps`.
    const token = flags.token.startsWith('/') ? (await readFile(flags.token, 'utf8')).trim() : flags.token;
    const caPem = flags.caFile ? await readFile(flags.caFile, 'utf8') : await pinnedCa(flags.server, token);
    const nodeName = flags.nodeName ?? defaultNodeName();
    const { startIdleMemoryReducer } = await import('../server/idle-memory-reducer.js');
    const certificate = await NodeClientCertificate.load({
      dataDir: flags.dataDir,
      nodeName,
      caPem,
      log,
      bootstrapClient: () =>
        createClient({ server: flags.server, token, caPem, userAgent: 'flotilla-agent-bootstrap' }),
    });
    const running = await compose({ log }, async (parts) => {
      const balancer = flags.serverBalancer
        ? await parts.start(
            'server balancer',
            async () => (await import('./agent-server-balancer.js')).startServerBalancer(flags.server, log),
            (b) => b.stop(),
          )
        : undefined;
      const server = balancer?.url ?? flags.server;
      const client = await parts.start(
        'API client',
        () => createClient({ server, caPem, clientCert: certificate, userAgent: 'flotilla-agent' }),
        (c) => c.close(),
      );
      if (balancer)
        await parts.start(
          'server list',
          async () => balancer.follow(client),
          (stop) => stop(),
        );
      await parts.start(
        'client certificate renewal',
        () => certificate.start(client),
        (stop) => stop(),
      );
      await parts.start('node', () =>
        startNode({
          client,
          dataDir: flags.dataDir,
          nodeName,
          nodeIP: flags.nodeIp ?? firstIPv4(),
          log,
          clusterCaPem: caPem,
          vxlan: flags.vxlan,
          imageGC,
          containerLogs: { maxBytes: flags.containerLogMaxSize, maxFiles: flags.containerLogMaxFiles },
          podMaxPids: flags.podMaxPids !== undefined && flags.podMaxPids > 0 ? flags.podMaxPids : undefined,
          allowedUnsafeSysctls: flags.allowedUnsafeSysctls
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          seccompDefault: flags.seccompDefault,
          busybox: settings.busybox,
          pullProgress: pullProgressPrinter(out),
          ingress: flags.disableIngress
            ? false
            : {
                httpPort: flags.ingressHttpPort,
                httpsPort: flags.ingressHttpsPort,
                metricsPort: flags.ingressMetricsPort,
              },
        }),
      );
      // A burst of pod starts leaves heap the agent does not need once quiet (see the server's).
      await parts.start(
        'idle memory reducer',
        () => startIdleMemoryReducer(),
        (r) => r.stop(),
      );
      return { stop: () => parts.stop() };
    });
    out(`ready: node ${nodeName} (data dir ${flags.dataDir})`);
    const stop = (signal: string): void => {
      out(`${signal}: stopping (containers keep running)`);
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  } catch (err) {
    log.error({ err }, 'agent start-up failed');
    out(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

function firstIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** The CA certificate in the server's TLS chain whose PEM hashes to the join token's K10 prefix. */
async function pinnedCa(server: string, token: string): Promise<string> {
  const want = /^K10([0-9a-f]{64})::/.exec(token)?.[1];
  if (!want) throw new Error('the token has no K10<CA hash> prefix: pass --ca-file');
  const url = new URL(server);
  const chain = await new Promise<PeerCertificate>((resolve, reject) => {
    const sock = connect(
      { host: url.hostname, port: Number(url.port || 443), rejectUnauthorized: false, servername: url.hostname },
      () => {
        resolve(sock.getPeerCertificate(true));
        sock.end();
      },
    );
    sock.on('error', reject);
  });
  const { createHash } = await import('node:crypto');
  let cert: DetailedPeerCertificate | undefined = chain as DetailedPeerCertificate;
  for (let i = 0; cert && i < 5; i++) {
    const pem = new X509Certificate(cert.raw).toString();
    if (createHash('sha256').update(pem).digest('hex') === want) return pem;
    cert = cert.issuerCertificate === cert ? undefined : cert.issuerCertificate;
  }
  throw new Error("the server's TLS chain has no CA matching the token: pass --ca-file <data-dir>/tls/ca.crt");
}

/** What `flotilla up` needs to run the node agent beside its server. */
export interface UpAgentOptions {
  /** The server's data dir: the agent uses its images/, ns/, containers/, runc/, exits/, conmon/, pods/ and cni/ subfolders. */
  dataDir: string;
  /** Connection options for a client acting as `user` on the server's loopback socket (RunningServer.loopbackConnection). */
  connect: (
    user: { name: string; groups: string[] },
    userAgent: string,
  ) => import('../machinery/client/index.js').ClientOptions;
  log: import('pino').Logger;
  progress: (line: string) => void;
  /** Node IP (default: the first non-loopback IPv4 address); `up --nodes` gives the node bridge address. */
  nodeIP?: string;
  /** Pod bridge (default flotilla0) and blackhole routes (default the agent's), for a named cluster. */
  bridge?: string;
  blackholeRoutes?: string[];
  /** The host's busybox for port-forward (FLOTILLA_BUSYBOX). */
  busybox?: string;
  /** Run the ingress proxy on ports 80 and 443 (default true). */
  ingress?: boolean;
}

/**
 * Starts the node agent inside `flotilla up`: node name = the host name, node IP = the first
 * non-loopback IPv4 address. It joins through the server's root-only Unix socket
 * (`<data-dir>/apiserver.sock`, the loopback API the built-in controllers use): no TLS inside one
 * process, and as its node (`system:node:<name>`, group system:nodes), so the Node authorizer and
 * NodeRestriction treat it as they treat a `flotilla agent` holding its node certificate. On the
 * first start (no `<data-dir>/images` yet) it imports the busybox image built from the machine's
 * busybox (defaultImageBusybox) as `busybox:latest` (= `docker.io/library/busybox:latest`), so the
 * quick start works offline. Resolves once the agent runs; the caller stops it before the server.
 */
export async function startUpAgent(o: UpAgentOptions): Promise<{ nodeName: string; stop(): Promise<void> }> {
  const [
    { existsSync },
    { mkdtemp, rm },
    { tmpdir },
    { join },
    { createClient },
    { startNode },
    { defaultNodeName },
    { buildBusyboxImage },
    { pullProgressPrinter },
  ] = await Promise.all([
    import('node:fs'),
    import('node:fs/promises'),
    import('node:os'),
    import('node:path'),
    import('../machinery/client/index.js'),
    import('../server/start-node.js'),
    import('../agent/node/index.js'),
    import('../agent/images/busybox-image.js'),
    import('./pull-progress.js'),
  ]);
  const firstStart = !existsSync(join(o.dataDir, 'images'));
  const nodeName = defaultNodeName();
  return compose({ log: o.log }, async (parts) => {
    const client = await parts.start(
      'agent client',
      () =>
        createClient(
          o.connect(
            { name: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] },
            'flotilla-agent',
          ),
        ),
      (c) => c.close(),
    );
    // The cluster CA the server keeps in its data dir: the agent checks the API server's client certificate with it.
    const clusterCaPem = await readFile(join(o.dataDir, 'tls', 'ca.crt'), 'utf8').catch(() => undefined);
    const node = await parts.start('node', () =>
      startNode({
        client,
        dataDir: o.dataDir,
        nodeName,
        nodeIP: o.nodeIP ?? firstIPv4(),
        log: o.log,
        clusterCaPem,
        bridge: o.bridge,
        blackholeRoutes: o.blackholeRoutes,
        busybox: o.busybox,
        ingress: o.ingress ?? true,
        pullProgress: pullProgressPrinter(o.progress),
      }),
    );
    if (firstStart) {
      const tmp = await mkdtemp(join(tmpdir(), 'flotilla-busybox-'));
      try {
        const file = join(tmp, 'busybox.tar');
        await buildBusyboxImage(file);
        const [img] = await node.images.importArchive(file);
        if (img) await node.images.layerDirs(img);
        o.progress("imported busybox:latest (docker.io/library/busybox:latest) built from the machine's busybox");
      } catch (err) {
        o.log.warn({ err }, 'importing the busybox image failed');
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }
    return { nodeName, stop: () => parts.stop() };
  });
}
