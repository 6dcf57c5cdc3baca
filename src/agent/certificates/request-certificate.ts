import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { DENIED, FAILED, hasTrueCondition } from '../../api/certificates/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ClientCertPair } from '../../machinery/client/http-transport.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { CSRS } from '../../machinery/resources/well-known.js';

/** What certificate to ask for. */
export interface CertificateRequestSpec {
  signerName: string;
  usages: string[];
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** spec.expirationSeconds (the signer may issue a shorter one); undefined = the signer's default. */
  expirationSeconds?: number;
  /** metadata.generateName of the CertificateSigningRequest, e.g. `node-csr-`. */
  generateName: string;
}

export interface RequestCertificateOptions {
  /** Between reads of the request while it waits for its certificate (default 500 ms). */
  pollMs?: number;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Runs once the request exists, before the wait (e.g. an administrator approving it). */
  afterCreate?: (csr: ObjectOf<CertificateSigningRequest>) => Promise<void>;
}

/** The request was denied, failed, or not issued in time; `csrName` names it. */
export class CertificateRequestError extends Error {
  constructor(
    message: string,
    readonly csrName: string,
  ) {
    super(message);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Gets a certificate through the certificates.k8s.io API, as the kubelet's bootstrap and
 * certificate manager do: a new private key made here (it never leaves this process), a
 * CertificateSigningRequest created with `client` (whose identity becomes the requester), then
 * the request read until the signer issued the certificate. Throws CertificateRequestError when
 * it is denied or failed or the wait times out, a ClientError when the API refuses.
 */
export async function requestCertificate(
  client: KubeClient,
  spec: CertificateRequestSpec,
  opts: RequestCertificateOptions = {},
): Promise<ClientCertPair> {
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const { createCertificateRequest } = await import('../../machinery/pki/certificate-requests.js');
  const { csr, key } = await createCertificateRequest({
    commonName: spec.commonName,
    organizations: spec.organizations,
    dnsNames: spec.dnsNames,
    ipAddresses: spec.ipAddresses,
  });
  const body: ObjectOf<CertificateSigningRequest> = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: spec.generateName },
    spec: {
      request: Buffer.from(csr).toString('base64'),
      signerName: spec.signerName,
      usages: spec.usages,
      ...(spec.expirationSeconds === undefined ? {} : { expirationSeconds: spec.expirationSeconds }),
    },
  };
  const created = await client.create(CSRS, '', body);
  const name = created.metadata.name ?? '';
  await opts.afterCreate?.(created);
  const deadline = now() + (opts.timeoutMs ?? 600_000);
  for (let got = created; ; ) {
    const cert = got.status?.certificate;
    if (cert) return { certPem: Buffer.from(cert, 'base64').toString('utf8'), keyPem: key };
    if (hasTrueCondition(got, DENIED))
      throw new CertificateRequestError(`certificate request ${name} was denied`, name);
    if (hasTrueCondition(got, FAILED)) {
      const why = got.status?.conditions?.find((c) => c.type === FAILED)?.message ?? '';
      throw new CertificateRequestError(`certificate request ${name} failed: ${why}`, name);
    }
    if (now() > deadline)
      throw new CertificateRequestError(`certificate request ${name} was not issued in time (not approved?)`, name);
    await sleep(opts.pollMs ?? 500);
    got = await client.get(CSRS, '', name);
  }
}
