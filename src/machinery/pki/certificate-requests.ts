/**
 * PKCS#10 certificate requests with @peculiar/x509 (as issue-certs.ts; loaded lazily by callers,
 * its import is slow): parse and check a request's signature, create a key and request, and sign a
 * request with the cluster CA as Kubernetes' CSR signer does (subject and names from the request,
 * key usages from the CSR's spec.usages, validity capped by the CA's).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type { IssuedCert } from './issue-certs.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const SAN_OID = '2.5.29.17';

/** What the checks of a request read: subject and subject alternative names. */
export interface ParsedRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

/** A request that did not parse or whose signature does not verify; `message` is the reason. */
export class InvalidRequestError extends Error {}

function firstPem(pem: string, type: string): string {
  const re = new RegExp(`-----BEGIN ${type}-----[\\s\\S]*?-----END ${type}-----`);
  const m = re.exec(pem);
  if (!m) throw new InvalidRequestError(`PEM block type must be ${type}`);
  return m[0];
}

function namesOf(extensions: readonly x509.Extension[]): readonly x509.GeneralName[] {
  const ext = extensions.find((e) => e.type === SAN_OID);
  return ext ? new x509.SubjectAlternativeNameExtension(ext.rawData).names.items : [];
}

/**
 * Parses the first CERTIFICATE REQUEST block of `pem` and verifies its self-signature (Kubernetes
 * validates both on create). Throws InvalidRequestError with a reason otherwise.
 */
export async function parseCertificateRequest(pem: string): Promise<ParsedRequest> {
  let req: x509.Pkcs10CertificateRequest;
  try {
    req = new x509.Pkcs10CertificateRequest(firstPem(pem, 'CERTIFICATE REQUEST'));
  } catch (e) {
    if (e instanceof InvalidRequestError) throw e;
    throw new InvalidRequestError(`asn1: structure error: ${(e as Error).message}`);
  }
  let ok = false;
  try {
    ok = await req.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw new InvalidRequestError('x509: ECDSA verification failure');
  const names = namesOf(req.extensions);
  const pick = (type: string) => names.filter((n) => n.type === type).map((n) => n.value);
  return {
    commonName: req.subjectName.getField('CN')[0] ?? '',
    organizations: req.subjectName.getField('O'),
    dnsNames: pick('dns'),
    ipAddresses: pick('ip'),
    emailAddresses: pick('email'),
    uris: pick('url'),
  };
}

/** What to put in a new request. */
export interface RequestSubjectInput {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** A new ECDSA P-256 key (PKCS#8 PEM) and a PEM certificate request for it. */
export async function createCertificateRequest(input: RequestSubjectInput): Promise<{ csr: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const name: x509.JsonName = [{ CN: [input.commonName] }];
  if (input.organizations?.length) name.push({ O: input.organizations });
  const extensions: x509.Extension[] = [];
  const sans = [
    ...(input.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(input.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: ALG, extensions });
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { csr: csr.toString('pem'), key };
}

const KEY_USAGE_FLAGS: Record<string, number> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** How long a signed certificate is valid. */
export interface SignOptions {
  usages: readonly string[];
  /** Requested validity in milliseconds. */
  ttlMs: number;
  now: Date;
  /** How far notBefore lies before now (Kubernetes backdates 5 minutes for clock skew). */
  backdateMs?: number;
}

/**
 * Signs the request in `csrPem` with the CA: the request's subject, public key and subject
 * alternative names; the key usages named; notAfter = now + ttl, never past the CA's own notAfter.
 * Returns the certificate PEM. Throws InvalidRequestError when the request does not parse.
 */
export async function signCertificateRequest(ca: IssuedCert, csrPem: string, opts: SignOptions): Promise<string> {
  let req: x509.Pkcs10CertificateRequest;
  try {
    req = new x509.Pkcs10CertificateRequest(firstPem(csrPem, 'CERTIFICATE REQUEST'));
  } catch (e) {
    throw new InvalidRequestError((e as Error).message);
  }
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(ca.key), ALG, false, ['sign']);
  let flags = 0;
  const ekus: string[] = [];
  for (const u of opts.usages) {
    flags |= KEY_USAGE_FLAGS[u] ?? 0;
    const eku = EXT_KEY_USAGES[u];
    if (eku && !ekus.includes(eku)) ekus.push(eku);
  }
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (flags !== 0) extensions.push(new x509.KeyUsagesExtension(flags, true));
  if (ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ekus));
  const san = req.extensions.find((e) => e.type === SAN_OID);
  if (san) extensions.push(new x509.SubjectAlternativeNameExtension(san.rawData));
  const now = opts.now.getTime();
  const notAfter = Math.min(now + opts.ttlMs, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: req.subjectName,
    issuer: caCert.subjectName,
    notBefore: new Date(now - (opts.backdateMs ?? 5 * 60_000)),
    notAfter: new Date(notAfter),
    signingAlgorithm: ALG,
    publicKey: req.publicKey,
    signingKey: caKey,
    extensions,
  });
  return cert.toString('pem');
}

/** notBefore and notAfter of a PEM certificate (the first block). */
export function certificateValidity(certPem: string): { notBefore: Date; notAfter: Date } {
  const cert = new x509.X509Certificate(firstPem(certPem, 'CERTIFICATE'));
  return { notBefore: cert.notBefore, notAfter: cert.notAfter };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
