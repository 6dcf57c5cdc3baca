/**
 * The node's client certificate `system:node:<name>` (group system:nodes), as the kubelet's TLS
 * bootstrap and client certificate manager keep it:
 *
 *   start: <data-dir>/pki/node-client.pem valid for this node and CA? --yes--> use it
 *                                        --no--> CSR with the join token (auto-approved) --> store (0600)
 *   at ~80 % of its life: CSR with the current certificate (selfnodeclient, auto-approved)
 *                         --> store --> new connections use the new pair (no restart)
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER, NODE_USER_PREFIX, NODES_GROUP } from '../../api/certificates/index.js';
import type { ClientCertPair, ClientCertSource } from '../../machinery/client/http-transport.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { ClientError } from '../../machinery/client/client-error.js';
import { scheduleRenewals } from './renewal-schedule.js';
import {
  CertificateRequestError,
  requestCertificate,
  type CertificateRequestSpec,
  type RequestCertificateOptions,
} from './request-certificate.js';

/** Where the pair lives, below the agent's data dir: certificate then key, PEM, mode 0600. */
export const NODE_CLIENT_CERT_FILE = join('pki', 'node-client.pem');

/** The CSR a node makes for its client certificate (ECDSA key: no key encipherment, as the kubelet). */
export function nodeClientRequest(nodeName: string, expirationSeconds?: number): CertificateRequestSpec {
  return {
    signerName: KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
    usages: ['digital signature', 'client auth'],
    commonName: `${NODE_USER_PREFIX}${nodeName}`,
    organizations: [NODES_GROUP],
    expirationSeconds,
    generateName: 'node-csr-',
  };
}

/** A pair with its validity, read from its certificate. */
interface HeldPair {
  pair: ClientCertPair;
  notBefore: number;
  notAfter: number;
}

function held(pair: ClientCertPair): HeldPair {
  const x = new X509Certificate(pair.certPem);
  return { pair, notBefore: Date.parse(x.validFrom), notAfter: Date.parse(x.validTo) };
}

/** The certificate and key PEM blocks of the stored file, or undefined when it is missing or malformed. */
export function parseStoredPair(text: string): ClientCertPair | undefined {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  const key = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]*?-----END (?:EC |RSA )?PRIVATE KEY-----\n?/.exec(
    text,
  )?.[0];
  return cert && key ? { certPem: cert, keyPem: key } : undefined;
}

/**
 * Whether a stored pair can be used by `nodeName` against the cluster of `caPem`: CN
 * system:node:<name>, signed by that CA, not expired at `now`. Pure apart from the X.509 parse.
 */
export function usablePair(pair: ClientCertPair, nodeName: string, caPem: string, now: number): boolean {
  try {
    const x = new X509Certificate(pair.certPem);
    const ca = new X509Certificate(caPem);
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1];
    return cn === `${NODE_USER_PREFIX}${nodeName}` && x.verify(ca.publicKey) && Date.parse(x.validTo) > now;
  } catch {
    return false;
  }
}

/** Writes certificate then key to `path` (0600, its directory 0700) through a synced temporary file. */
export async function writePairFile(path: string, pair: ClientCertPair): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  const f = await open(tmp, 'w', 0o600);
  try {
    await f.writeFile(`${pair.certPem.trimEnd()}\n${pair.keyPem.trimEnd()}\n`);
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
}

export interface NodeClientCertificateOptions {
  dataDir: string;
  nodeName: string;
  /** The cluster CA: a stored certificate of another CA is not used. */
  caPem: string;
  log: Logger;
  /** A client with the join token, made when a certificate must be bootstrapped; closed after use. */
  bootstrapClient: () => KubeClient;
  /** spec.expirationSeconds of the requests (default: the signer's duration). */
  expirationSeconds?: number;
  request?: RequestCertificateOptions;
  now?: () => number;
  random?: () => number;
  /** Retry delay after a failed renewal (default 30 s). */
  retryMs?: number;
}

/**
 * The node's client certificate: a ClientCertSource for the API client, renewed in the
 * background once start() runs. Create it with NodeClientCertificate.load.
 */
export class NodeClientCertificate implements ClientCertSource {
  private constructor(
    private readonly o: NodeClientCertificateOptions,
    private pair: HeldPair,
  ) {}

  /**
   * The stored certificate when it fits this node and CA and has not expired; otherwise a new one
   * bootstrapped with the join token (a CSR the approver auto-approves), stored before it is used.
   */
  static async load(o: NodeClientCertificateOptions): Promise<NodeClientCertificate> {
    const path = join(o.dataDir, NODE_CLIENT_CERT_FILE);
    const now = (o.now ?? Date.now)();
    const stored = parseStoredPair(await readFile(path, 'utf8').catch(() => ''));
    if (stored && usablePair(stored, o.nodeName, o.caPem, now)) return new NodeClientCertificate(o, held(stored));
    o.log.info({ node: o.nodeName }, 'requesting a node client certificate with the join token');
    const pair = await NodeClientCertificate.bootstrap(o);
    await writePairFile(path, pair);
    return new NodeClientCertificate(o, held(pair));
  }

  /**
   * Requests the certificate with the join token. Like the node's registration it waits for a
   * server that is not reachable yet (retrying every 2 s within the request timeout); a refused
   * token (401, 403) or a denied or failed request ends it at once.
   */
  private static async bootstrap(o: NodeClientCertificateOptions): Promise<ClientCertPair> {
    const now = o.now ?? Date.now;
    const sleep = o.request?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = now() + (o.request?.timeoutMs ?? 600_000);
    const client = o.bootstrapClient();
    try {
      for (;;) {
        try {
          return await requestCertificate(client, nodeClientRequest(o.nodeName, o.expirationSeconds), o.request);
        } catch (err) {
          const final =
            err instanceof CertificateRequestError ||
            (err instanceof ClientError && (err.code === 401 || err.code === 403)) ||
            now() > deadline;
          if (final) throw err;
          o.log.warn({ err, node: o.nodeName }, 'requesting the node client certificate failed; retrying');
          await sleep(2000);
        }
      }
    } finally {
      await client.close();
    }
  }

  current(): ClientCertPair {
    return this.pair.pair;
  }

  /** notAfter of the current certificate (ms since the epoch). */
  get notAfter(): number {
    return this.pair.notAfter;
  }

  /**
   * Renews the certificate at its renewal time with `client` (which authenticates with this very
   * certificate, so the approver sees a node renewing its own), or with the join token once it has
   * expired. A failed renewal is retried after retryMs. Returns a stop function; idempotent.
   */
  start(client: KubeClient): () => Promise<void> {
    return scheduleRenewals({
      validity: () => this.pair,
      renew: () => this.renewOnce(client),
      onFailure: (err) =>
        this.o.log.warn({ err, node: this.o.nodeName }, 'node client certificate renewal failed; retrying'),
      now: this.o.now,
      random: this.o.random,
      retryMs: this.o.retryMs,
    });
  }

  /** One renewal: request, store, then swap (new connections use the new pair). */
  async renewOnce(client: KubeClient): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    const expired = now >= this.pair.notAfter;
    const pair = expired
      ? await NodeClientCertificate.bootstrap(this.o)
      : await requestCertificate(client, nodeClientRequest(this.o.nodeName, this.o.expirationSeconds), this.o.request);
    await writePairFile(join(this.o.dataDir, NODE_CLIENT_CERT_FILE), pair);
    this.pair = held(pair);
    this.o.log.info(
      { node: this.o.nodeName, notAfter: new Date(this.pair.notAfter).toISOString() },
      'node client certificate renewed',
    );
  }
}
