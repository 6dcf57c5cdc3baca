import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from './private-file.js';
import { servingNames, type ServingNames } from '../../machinery/pki/serving-names.js';
import { TLS_FILES, tlsDir, type TlsMaterial } from './tls-material.js';
import type { IssuedCert } from '../../machinery/pki/issue-certs.js';
import { KUBELET_CLIENT_USER } from '../../api/rbac/node-agent-policy.js';

export interface EnsureTlsOptions {
  /** Extra serving-certificate names (host names or IP literals). */
  extraSans?: readonly string[];
  /** Current time in ms since the epoch (tests move it forward). Default Date.now. */
  now?: () => number;
}

export interface EnsureTlsResult {
  material: TlsMaterial;
  /** Which certificates this call issued ('ca', 'server', 'admin', 'kubelet-client'); empty when all were reused. */
  issued: Array<'ca' | 'server' | 'admin' | 'kubelet-client'>;
}

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** Leaves closer than this to expiry are re-issued at start-up. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * Makes sure `<data-dir>/tls/` holds a CA, a serving certificate covering servingNames(extraSans),
 * an admin client certificate (CN=admin, O=system:masters) and the API server's client
 * certificate towards agents (CN=kube-apiserver-kubelet-client), all files 0600, and returns them.
 * Idempotent: existing valid files are reused as they are (a restart issues nothing and never
 * loads the x509 library). A new CA re-issues both leaves; a serving certificate missing a current
 * name (the host got a new address), near expiry or not signed by the CA is re-issued alone.
 */
export async function ensureTls(dataDir: string, options: EnsureTlsOptions = {}): Promise<EnsureTlsResult> {
  const dir = tlsDir(dataDir);
  const now = options.now ?? Date.now;
  const keys = Object.keys(TLS_FILES) as Array<keyof TlsMaterial>;
  const read = await Promise.all(keys.map((k) => readOptionalFile(join(dir, TLS_FILES[k]))));
  const found = Object.fromEntries(keys.map((k, i) => [k, read[i]])) as Partial<TlsMaterial>;
  const names = servingNames(options.extraSans);
  const issued: EnsureTlsResult['issued'] = [];

  let ca: IssuedCert | undefined = found.caCert && found.caKey ? { cert: found.caCert, key: found.caKey } : undefined;
  let caX509 = ca ? new X509Certificate(ca.cert) : undefined;
  if (!ca || !caX509 || Date.parse(caX509.validTo) <= now()) {
    const { issueCa } = await import('../../machinery/pki/issue-certs.js');
    ca = await issueCa(CA_DAYS);
    caX509 = new X509Certificate(ca.cert);
    issued.push('ca');
  }

  let server: IssuedCert | undefined =
    found.serverCert && found.serverKey ? { cert: found.serverCert, key: found.serverKey } : undefined;
  if (!server || !leafUsable(server.cert, caX509, now()) || !coversNames(server.cert, names)) {
    const { issueLeaf } = await import('../../machinery/pki/issue-certs.js');
    server = await issueLeaf(ca, { subject: 'CN=kube-apiserver', usage: 'server', names, validDays: LEAF_DAYS });
    issued.push('server');
  }

  let admin: IssuedCert | undefined =
    found.adminCert && found.adminKey ? { cert: found.adminCert, key: found.adminKey } : undefined;
  if (!admin || !leafUsable(admin.cert, caX509, now())) {
    const { issueLeaf } = await import('../../machinery/pki/issue-certs.js');
    admin = await issueLeaf(ca, { subject: 'CN=admin, O=system:masters', usage: 'client', validDays: LEAF_DAYS });
    issued.push('admin');
  }

  let kubeletClient: IssuedCert | undefined =
    found.kubeletClientCert && found.kubeletClientKey
      ? { cert: found.kubeletClientCert, key: found.kubeletClientKey }
      : undefined;
  if (!kubeletClient || !leafUsable(kubeletClient.cert, caX509, now())) {
    const { issueLeaf } = await import('../../machinery/pki/issue-certs.js');
    kubeletClient = await issueLeaf(ca, {
      subject: `CN=${KUBELET_CLIENT_USER}`,
      usage: 'client',
      validDays: LEAF_DAYS,
    });
    issued.push('kubelet-client');
  }

  const material: TlsMaterial = {
    caCert: ca.cert,
    caKey: ca.key,
    serverCert: server.cert,
    serverKey: server.key,
    adminCert: admin.cert,
    adminKey: admin.key,
    kubeletClientCert: kubeletClient.cert,
    kubeletClientKey: kubeletClient.key,
  };
  await Promise.all(
    keys.filter((k) => material[k] !== found[k]).map((k) => writePrivateFile(join(dir, TLS_FILES[k]), material[k])),
  );
  return { material, issued };
}

/** Signed by `ca` and not within RENEW_BEFORE_MS of expiry. */
function leafUsable(pem: string, ca: X509Certificate, now: number): boolean {
  const cert = new X509Certificate(pem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validTo) - now > RENEW_BEFORE_MS;
}

function coversNames(pem: string, names: ServingNames): boolean {
  const cert = new X509Certificate(pem);
  return (
    names.dns.every((n) => cert.checkHost(n, { subject: 'never', wildcards: false }) !== undefined) &&
    names.ips.every((ip) => cert.checkIP(ip) !== undefined)
  );
}
