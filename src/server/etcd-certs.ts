import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from '../apiserver/tls/index.js';
import type { EtcdClientTls } from '../store/index.js';

/** Files of the embedded etcd member's TLS, in `<data-dir>/tls/etcd/`. */
export interface EtcdCertFiles {
  ca: string;
  /** The member's certificate: serves clients and peers, and is its client certificate towards peers. */
  memberCert: string;
  memberKey: string;
}

export interface EtcdCerts {
  files: EtcdCertFiles;
  /** What the API server presents to etcd (CN=kube-apiserver-etcd-client, as kubeadm's). */
  client: EtcdClientTls;
}

/** `<data-dir>/tls/etcd`. */
export function etcdTlsDir(dataDir: string): string {
  return join(dataDir, 'tls', 'etcd');
}

const DAYS = 365;
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * Makes sure `<data-dir>/tls/etcd/` holds the member certificate (server and client use, names:
 * `address`, 127.0.0.1, localhost) and the API server's etcd client certificate, both signed by
 * the cluster CA (`ca`, from ensureTls) and copies the CA beside them for etcd's
 * --trusted-ca-file. Idempotent: valid files covering `address` are reused; a new CA or address
 * re-issues them.
 */
export async function ensureEtcdCerts(
  dataDir: string,
  ca: { cert: string; key: string },
  address: string,
): Promise<EtcdCerts> {
  const dir = etcdTlsDir(dataDir);
  const files: EtcdCertFiles = {
    ca: join(dir, 'ca.crt'),
    memberCert: join(dir, 'member.crt'),
    memberKey: join(dir, 'member.key'),
  };
  const clientCertPath = join(dir, 'apiserver-etcd-client.crt');
  const clientKeyPath = join(dir, 'apiserver-etcd-client.key');
  const [caFile, memberCert, memberKey, clientCert, clientKey] = await Promise.all(
    [files.ca, files.memberCert, files.memberKey, clientCertPath, clientKeyPath].map((p) => readOptionalFile(p)),
  );
  const caX509 = new X509Certificate(ca.cert);
  const usable = (pem: string | undefined, ip?: string): boolean => {
    if (!pem) return false;
    const c = new X509Certificate(pem);
    return (
      c.checkIssued(caX509) &&
      c.verify(caX509.publicKey) &&
      Date.parse(c.validTo) - Date.now() > RENEW_BEFORE_MS &&
      (ip === undefined || c.checkIP(ip) !== undefined)
    );
  };
  if (caFile !== ca.cert) await writePrivateFile(files.ca, ca.cert);
  let member = memberCert && memberKey ? { cert: memberCert, key: memberKey } : undefined;
  if (!member || !usable(member.cert, address)) {
    const { issueLeaf } = await import('../machinery/pki/issue-certs.js');
    member = await issueLeaf(ca, {
      subject: 'CN=etcd-member',
      usage: 'peer',
      names: { dns: ['localhost'], ips: [...new Set([address, '127.0.0.1'])] },
      validDays: DAYS,
    });
    await writePrivateFile(files.memberCert, member.cert);
    await writePrivateFile(files.memberKey, member.key);
  }
  let client = clientCert && clientKey ? { cert: clientCert, key: clientKey } : undefined;
  if (!client || !usable(client.cert)) {
    const { issueLeaf } = await import('../machinery/pki/issue-certs.js');
    client = await issueLeaf(ca, { subject: 'CN=kube-apiserver-etcd-client', usage: 'client', validDays: DAYS });
    await writePrivateFile(clientCertPath, client.cert);
    await writePrivateFile(clientKeyPath, client.key);
  }
  return { files, client: { caPem: ca.cert, certPem: client.cert, keyPem: client.key } };
}
