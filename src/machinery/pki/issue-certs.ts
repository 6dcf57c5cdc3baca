/**
 * Certificate issuing with @peculiar/x509 on Node's WebCrypto (ECDSA P-256: key generation and
 * signing are cheap). The library is slow to import, so ensure-tls loads this module only when
 * something must be issued; a restart with existing files never does.
 */
// @peculiar/x509 uses tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type { ServingNames } from './serving-names.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

/** A PEM certificate with its PKCS#8 PEM private key. */
export interface IssuedCert {
  cert: string;
  key: string;
}

export interface LeafRequest {
  /** Distinguished name, e.g. `CN=admin, O=system:masters`. */
  subject: string;
  /** `peer`: both, as etcd members present one certificate to each other (etcd's peer TLS). */
  usage: 'server' | 'client' | 'peer';
  /** Subject alternative names (server certificates). */
  names?: ServingNames;
  validDays: number;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function pkcs8Pem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A positive random 16-byte serial number as hex (the top bit cleared keeps it positive). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  // Back-date an hour so a client whose clock lags a little still accepts a fresh certificate.
  const now = Date.now();
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + days * DAY_MS) };
}

/** A new self-signed CA certificate `CN=flotilla-ca@<unix time>`, valid `validDays`. */
export async function issueCa(validDays: number): Promise<IssuedCert> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=flotilla-ca@${Math.floor(Date.now() / 1000)}`,
    ...validity(validDays),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: pkcs8Pem(keys.privateKey) };
}

/** A leaf certificate signed by `ca` (server or client authentication). */
export async function issueLeaf(ca: IssuedCert, req: LeafRequest): Promise<IssuedCert> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(ca.key), ALG, false, ['sign']);
  const keys = await newKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([
      ...(req.usage === 'client' ? [] : [x509.ExtendedKeyUsage.serverAuth]),
      ...(req.usage === 'server' ? [] : [x509.ExtendedKeyUsage.clientAuth]),
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (req.names) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...req.names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...req.names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: req.subject,
    issuer: caCert.subject,
    ...validity(req.validDays),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { cert: cert.toString('pem'), key: pkcs8Pem(keys.privateKey) };
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
