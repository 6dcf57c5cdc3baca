import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';

/** Options of `flotilla agent`, as commander parses them. */
export interface AgentFlags {
  server: string;
  token: string;
  dataDir: string;
  nodeName?: string;
  nodeIp?: string;
  caFile?: string;
  logLevel: string;
}

/**
 * Runs the node agent in the foreground until SIGINT or SIGTERM (containers keep running under
 * conmon when it stops). The server's CA comes from --ca-file, or from the server's TLS chain
 * pinned by the join token's `K10<sha256 of the CA PEM>` prefix.
 */
export async function runAgent(flags: AgentFlags): Promise<void> {
  const out = (line: string): void => { process.stdout.write(`flotilla agent: ${line}\n`); };
  const [{ createLogger }, { createClient }, { startAgent }, { defaultNodeName }] = await Promise.all([
    import('../server/create-logger.js'), import('../client/index.js'), import('../agent/agent.js'), import('../agent/node/index.js'),
  ]);
  const log = createLogger(flags.logLevel);
  try {
    const caPem = flags.caFile ? await readFile(flags.caFile, 'utf8') : await pinnedCa(flags.server, flags.token);
    const client = createClient({ server: flags.server, token: flags.token, caPem });
    const nodeName = flags.nodeName ?? defaultNodeName();
    const agent = await startAgent({ client, dataDir: flags.dataDir, nodeName, nodeIP: flags.nodeIp ?? firstIPv4(), log });
    out(`ready: node ${nodeName} (data dir ${flags.dataDir})`);
    const stop = (signal: string): void => {
      out(`${signal}: stopping (containers keep running)`);
      agent.stop().then(() => client.close()).then(() => process.exit(0), () => process.exit(1));
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
    const sock = connect({ host: url.hostname, port: Number(url.port || 443), rejectUnauthorized: false, servername: url.hostname }, () => {
      resolve(sock.getPeerCertificate(true));
      sock.end();
    });
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
