import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EtcdClientTls } from '../store/index.js';
import type { EtcdCertFiles } from './etcd-certs.js';

/** One etcd member run by this server (Debian's etcd-server binary), restarted when it dies. */
export interface EtcdMemberOptions {
  /** Member name (unique in the etcd cluster). */
  name: string;
  /** The member's data (`<server data dir>/etcd`); its `member/` subfolder exists once it ran. */
  dir: string;
  /** Address it listens on and advertises for clients (clientPort) and peers (peerPort). */
  address: string;
  clientPort?: number;
  peerPort?: number;
  /** `name=https://ip:2380,...` for a first start; ignored by etcd once `dir` holds data. */
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  certs: EtcdCertFiles;
  /** For the health check: the API server's client certificate. */
  clientTls: EtcdClientTls;
  log: Logger;
  /** etcd's stderr goes here (appended). */
  logFile: string;
  /** Default `etcd` on PATH. */
  binary?: string;
}

export interface EtcdMember {
  clientUrl: string;
  peerUrl: string;
  /** Current process id (changes after a restart). */
  pid(): number | undefined;
  /** Stops etcd (SIGTERM, SIGKILL after 10 s) and ends the supervision. Idempotent. */
  stop(): Promise<void>;
}

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

/** `https://ip:port` (IPv6 literals in brackets). */
export function etcdUrl(address: string, port: number): string {
  return `https://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** True when the member has data of its own (it ran before: start it as it is, without joining again). */
export function etcdMemberExists(dir: string): boolean {
  return existsSync(join(dir, 'member'));
}

/**
 * Starts etcd with client and peer TLS from the cluster CA (client certificates required on both)
 * and supervises it: when it exits without stop() it is started again after a backoff (1 s, doubling
 * to 30 s, back to 1 s once it ran a minute). It runs under `setpriv --pdeathsig KILL`, so it dies
 * with this process, also on a kill -9 (a server's member is never left without its server).
 * Resolves once /health answers true (waitHealthyMs, default 60 s: a joining member must first catch
 * up); rejects, with etcd stopped, when it does not.
 */
export async function startEtcdMember(o: EtcdMemberOptions, waitHealthyMs = 60_000): Promise<EtcdMember> {
  const clientUrl = etcdUrl(o.address, o.clientPort ?? ETCD_CLIENT_PORT);
  const peerUrl = etcdUrl(o.address, o.peerPort ?? ETCD_PEER_PORT);
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const args = [
    '--pdeathsig',
    'KILL',
    '--',
    o.binary ?? 'etcd',
    `--name=${o.name}`,
    `--data-dir=${o.dir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${o.initialCluster}`,
    `--initial-cluster-state=${o.initialClusterState}`,
    '--initial-cluster-token=flotilla',
    `--cert-file=${o.certs.memberCert}`,
    `--key-file=${o.certs.memberKey}`,
    `--trusted-ca-file=${o.certs.ca}`,
    '--client-cert-auth',
    `--peer-cert-file=${o.certs.memberCert}`,
    `--peer-key-file=${o.certs.memberKey}`,
    `--peer-trusted-ca-file=${o.certs.ca}`,
    '--peer-client-cert-auth',
    '--logger=zap',
    '--log-level=warn',
  ];
  const logStream = createWriteStream(o.logFile, { flags: 'a' });
  let child: ChildProcess | undefined;
  let stopping = false;
  let backoffMs = 1000;
  let restartTimer: NodeJS.Timeout | undefined;
  const run = (): void => {
    const startedAt = Date.now();
    // Own process group: a Ctrl-C on the terminal reaches the server only, which stops etcd last.
    const c = spawn('setpriv', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    child = c;
    c.stderr?.pipe(logStream, { end: false });
    c.once('error', (err) => o.log.error({ err, member: o.name }, 'etcd could not be started'));
    c.once('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - startedAt > 60_000) backoffMs = 1000;
      o.log.warn({ member: o.name, code, signal, restartInMs: backoffMs }, 'etcd exited; restarting it');
      restartTimer = setTimeout(run, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 30_000);
    });
  };
  run();
  const member: EtcdMember = {
    clientUrl,
    peerUrl,
    pid: () => child?.pid,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(restartTimer);
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      logStream.end();
    },
  };
  const deadline = Date.now() + waitHealthyMs;
  while (!(await etcdHealthy(clientUrl, o.clientTls))) {
    if (Date.now() > deadline) {
      await member.stop();
      throw new Error(
        `etcd member ${o.name} at ${clientUrl} not healthy after ${waitHealthyMs / 1000} s (log: ${o.logFile})`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return member;
}

/** GET /health of one member with the client certificate: true when it answers `"health":"true"`. */
export function etcdHealthy(clientUrl: string, tls: EtcdClientTls, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `${clientUrl}/health`,
      // servername '': no SNI (an IP address is not a valid one); the certificate is checked against the IP.
      { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, timeout: timeoutMs, servername: '' },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve(/"health"\s*:\s*"true"/.test(body)));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
