/**
 * Rotation of one server's leaf certificates without a restart (k3s' `certificate rotate`, live):
 *   GET  /flotilla/v1/certificates         each certificate in <data-dir>/tls: subject, expiry, SHA-256
 *   POST /flotilla/v1/certificates/rotate  move the leaves aside, issue new ones from the same CA,
 *                                           serve the new serving certificate to new connections
 * and a daily check that re-issues leaves near expiry (ensureTls' rule: 30 days before) the same way.
 * Non-resource URLs: with RBAC only cluster-admin may call them. The CA itself is not rotated.
 */
import { X509Certificate } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensureTls } from '../apiserver/tls/ensure-tls.js';
import { readOptionalFile } from '../apiserver/tls/private-file.js';
import { TLS_FILES, type TlsMaterial, tlsDir } from '../apiserver/tls/tls-material.js';
import type { ExtraRoute } from './api-handler-contract.js';

export const CERTIFICATES_PATH = '/flotilla/v1/certificates';

/** The leaves `rotate` re-issues (the CA and the ServiceAccount key stay). */
const LEAVES: Array<keyof TlsMaterial> = [
  'serverCert',
  'serverKey',
  'adminCert',
  'adminKey',
  'kubeletClientCert',
  'kubeletClientKey',
];
const RENEWAL_CHECK_MS = 24 * 3_600_000;

export interface CertificateInfo {
  file: string;
  subject: string;
  notAfter: string;
  sha256: string;
}

export interface CertificateStatus {
  certificates: CertificateInfo[];
  /** The leaves' previous files, moved aside by this rotation (rotate only). */
  movedTo?: string;
  /** Which certificates this call issued (rotate only). */
  issued?: string[];
}

/** The certificates in `<data-dir>/tls`, for `flotilla certificate check` (also without a server). */
export async function certificateStatus(dataDir: string): Promise<CertificateStatus> {
  const certificates: CertificateInfo[] = [];
  for (const file of Object.values(TLS_FILES).filter((f) => f.endsWith('.crt'))) {
    const pem = await readOptionalFile(join(tlsDir(dataDir), file));
    if (!pem) continue;
    const cert = new X509Certificate(pem);
    certificates.push({
      file,
      subject: cert.subject.replace(/\n/g, ', '),
      notAfter: new Date(cert.validTo).toISOString(),
      sha256: cert.fingerprint256,
    });
  }
  return { certificates };
}

/**
 * Moves the leaf certificates and keys to `tls/rotated-<unix seconds>/` and issues new ones from the
 * data dir's CA (ensureTls). Used by the server's rotate endpoint and, with no server running, by
 * `flotilla certificate rotate` directly (the serving names then come from ensureTls' defaults;
 * the server adds its --tls-san names again at start). Returns the new material.
 */
export async function rotateLeaves(
  dataDir: string,
  extraSans?: readonly string[],
): Promise<{ material: TlsMaterial; movedTo: string; issued: string[] }> {
  const dir = tlsDir(dataDir);
  const movedTo = join(dir, `rotated-${Math.floor(Date.now() / 1000)}`);
  await mkdir(movedTo, { recursive: true, mode: 0o700 });
  const present = new Set(await readdir(dir));
  for (const leaf of LEAVES) {
    const file = TLS_FILES[leaf];
    if (present.has(file)) await rename(join(dir, file), join(movedTo, file));
  }
  const { material, issued } = await ensureTls(dataDir, { extraSans });
  return { material, movedTo, issued };
}

export interface CertificateRotation {
  routes: ExtraRoute[];
  /** Hands the running HTTPS server's swap over (called once it listens). */
  attach(swap: (material: TlsMaterial) => void): void;
  /** Starts the daily renewal check; stop() ends it. */
  startRenewal(): { stop(): Promise<void> };
}

/**
 * The rotate/status endpoints and the renewal check of one server. `swap` (attached once HTTPS
 * listens) installs new material for new connections (tls.Server#setSecureContext); connections
 * already open keep the certificate they were made with.
 */
export function createCertificateRotation(o: {
  dataDir: string;
  extraSans?: readonly string[];
  log: Logger;
}): CertificateRotation {
  let swap: ((material: TlsMaterial) => void) | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = running.then(fn, fn);
    running = next.catch(() => undefined);
    return next;
  };
  const rotate = () =>
    exclusive(async (): Promise<CertificateStatus> => {
      const { material, movedTo, issued } = await rotateLeaves(o.dataDir, o.extraSans);
      swap?.(material);
      o.log.info({ movedTo, issued }, 'certificates rotated; new connections get the new serving certificate');
      return { ...(await certificateStatus(o.dataDir)), movedTo, issued };
    });
  const renewIfDue = () =>
    exclusive(async () => {
      const { material, issued } = await ensureTls(o.dataDir, { extraSans: o.extraSans });
      if (issued.length === 0) return;
      swap?.(material);
      o.log.info({ issued }, 'certificates near expiry re-issued');
    });
  return {
    routes: [
      { method: 'GET', path: CERTIFICATES_PATH, serve: (_req, res) => reply(res, certificateStatus(o.dataDir)) },
      { method: 'POST', path: `${CERTIFICATES_PATH}/rotate`, serve: (_req, res) => reply(res, rotate()) },
    ],
    attach(s) {
      swap = s;
    },
    startRenewal() {
      const timer = setInterval(() => {
        renewIfDue().catch((err: unknown) => o.log.error({ err }, 'certificate renewal failed'));
      }, RENEWAL_CHECK_MS);
      timer.unref();
      return {
        stop: async () => {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}

async function reply(res: ServerResponse, body: Promise<object>): Promise<void> {
  const json = JSON.stringify(await body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
