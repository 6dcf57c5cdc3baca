/**
 * The node's serving certificate (the agent's HTTPS server: logs, exec, attach, port-forward,
 * stats), as the kubelet's `serverTLSBootstrap` keeps it: a `kubernetes.io/kubelet-serving`
 * CertificateSigningRequest for `system:node:<name>` (O=system:nodes) naming the node's own
 * addresses, signed with the cluster CA, so the API server verifies the agent against that CA and
 * the Node's address instead of anything the node publishes about itself.
 *
 *   obtain: <data-dir>/pki/node-serving.pem fits this node, CA and addresses? --yes--> use it
 *           --no--> CSR (approved by the server's approver when the requester is this node;
 *                   approved by the agent itself when its credentials may approve, e.g. an
 *                   administrator's) --> store (0600)
 *   at 75-85 % of its life: a new CSR --> store --> onRotate listeners (the server swaps its TLS
 *                           context: new connections get the new certificate, no restart)
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Logger } from 'pino';
import {
  APPROVED,
  KUBELET_SERVING_SIGNER,
  NODE_USER_PREFIX,
  NODES_GROUP,
  trueCondition,
  type NodeAddressLike,
} from '../../api/certificates/index.js';
import type { ClientCertPair } from '../../machinery/client/http-transport.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { ClientError } from '../../machinery/client/client-error.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { CSRS } from '../../machinery/resources/well-known.js';
import { parseStoredPair, writePairFile } from './node-client-certificate.js';
import { scheduleRenewals } from './renewal-schedule.js';
import {
  requestCertificate,
  type CertificateRequestSpec,
  type RequestCertificateOptions,
} from './request-certificate.js';

/** Where the pair lives, below the agent's data dir: certificate then key, PEM, mode 0600. */
export const NODE_SERVING_CERT_FILE = join('pki', 'node-serving.pem');

/** The subject alternative names of a serving certificate. */
export interface ServingCertificateNames {
  dnsNames: string[];
  ipAddresses: string[];
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/**
 * The names a node's serving certificate carries, as the kubelet takes them from its Node's
 * addresses: Hostname/InternalDNS/ExternalDNS as DNS names, InternalIP/ExternalIP as IP
 * addresses; plus the node name (what the API server sends as SNI). Sorted, no duplicates. Pure.
 */
export function servingNamesOf(nodeName: string, addresses: readonly NodeAddressLike[]): ServingCertificateNames {
  const dns = [nodeName];
  const ips: string[] = [];
  for (const a of addresses) {
    if (a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS') dns.push(a.address);
    else if (a.type === 'InternalIP' || a.type === 'ExternalIP') ips.push(a.address);
  }
  return { dnsNames: sorted(dns.filter(Boolean)), ipAddresses: sorted(ips.filter(Boolean)) };
}

/** The DNS and IP names of a certificate (its subjectAltName extension), sorted. */
export function certificateNames(certPem: string): ServingCertificateNames {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of san.split(/,\s*/)) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ips.push(part.slice(11));
  }
  return { dnsNames: sorted(dns), ipAddresses: sorted(ips) };
}

/** The kubelet-serving CSR a node makes (ECDSA key: no key encipherment, as the kubelet). */
export function nodeServingRequest(
  nodeName: string,
  names: ServingCertificateNames,
  expirationSeconds?: number,
): CertificateRequestSpec {
  return {
    signerName: KUBELET_SERVING_SIGNER,
    usages: ['digital signature', 'server auth'],
    commonName: `${NODE_USER_PREFIX}${nodeName}`,
    organizations: [NODES_GROUP],
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
    expirationSeconds,
    generateName: 'csr-',
  };
}

/**
 * Whether a stored serving pair can be used: CN system:node:<name>, signed by `caPem` (when
 * given), not expired at `now`, and naming exactly `names` (a node whose address changed asks again).
 */
export function usableServingPair(
  pair: ClientCertPair,
  nodeName: string,
  caPem: string | undefined,
  names: ServingCertificateNames,
  now: number,
): boolean {
  try {
    const x = new X509Certificate(pair.certPem);
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1];
    if (cn !== `${NODE_USER_PREFIX}${nodeName}` || Date.parse(x.validTo) <= now) return false;
    if (caPem !== undefined && !x.verify(new X509Certificate(caPem).publicKey)) return false;
    const have = certificateNames(pair.certPem);
    return (
      have.dnsNames.join() === sorted(names.dnsNames).join() &&
      have.ipAddresses.join() === sorted(names.ipAddresses).join()
    );
  } catch {
    return false;
  }
}

/**
 * Approves the agent's own request when its credentials allow it and no approver will: a request
 * whose requester is the node itself is the server's approver's to decide. Anything else (an
 * administrator's credentials, the in-process agent of `flotilla up`) tries the approval
 * subresource; a refusal leaves the request for an administrator (`kubectl certificate approve`).
 */
export async function approveOwnRequest(
  client: KubeClient,
  csr: ObjectOf<CertificateSigningRequest>,
  nodeName: string,
  log: Logger,
): Promise<void> {
  if (csr.spec.username === `${NODE_USER_PREFIX}${nodeName}`) return;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const condition = trueCondition(
    APPROVED,
    'AgentApproved',
    `Approved by the agent of node ${nodeName} with its own credentials.`,
    now,
  );
  try {
    await client.update(
      CSRS,
      '',
      { ...csr, status: { ...csr.status, conditions: [condition] } },
      { subresource: 'approval' },
    );
  } catch (err) {
    if (err instanceof ClientError && err.code === 409) return; // decided meanwhile
    const name = csr.metadata.name ?? '';
    log.warn(
      { err: err instanceof Error ? err.message : String(err), csr: name },
      `the serving certificate request waits for approval: kubectl certificate approve ${name}`,
    );
  }
}

interface HeldPair {
  pair: ClientCertPair;
  notBefore: number;
  notAfter: number;
}

function held(pair: ClientCertPair): HeldPair {
  const x = new X509Certificate(pair.certPem);
  return { pair, notBefore: Date.parse(x.validFrom), notAfter: Date.parse(x.validTo) };
}

export interface NodeServingCertificateOptions {
  dataDir: string;
  nodeName: string;
  /** The names to ask for (servingNamesOf the registered Node). */
  names: ServingCertificateNames;
  /** The cluster CA: a stored certificate of another CA is not used. Undefined: not checked. */
  caPem?: string;
  log: Logger;
  /** spec.expirationSeconds of the requests (default: the signer's duration, one year). */
  expirationSeconds?: number;
  request?: RequestCertificateOptions;
  now?: () => number;
  random?: () => number;
  /** Retry delay after a failed renewal (default 30 s). */
  retryMs?: number;
}

/**
 * The node's serving certificate, renewed in the background once start() runs; listeners given to
 * onRotate() get each new pair. Create it with NodeServingCertificate.obtain.
 */
export class NodeServingCertificate {
  private readonly listeners: ((pair: ClientCertPair) => void)[] = [];

  private constructor(
    private readonly o: NodeServingCertificateOptions,
    private pair: HeldPair,
  ) {}

  /** The stored certificate when it fits (usableServingPair); otherwise a new one through a CSR made with `client`, stored before it is used. */
  static async obtain(client: KubeClient, o: NodeServingCertificateOptions): Promise<NodeServingCertificate> {
    const path = join(o.dataDir, NODE_SERVING_CERT_FILE);
    const now = (o.now ?? Date.now)();
    const stored = parseStoredPair(await readFile(path, 'utf8').catch(() => ''));
    if (stored && usableServingPair(stored, o.nodeName, o.caPem, o.names, now))
      return new NodeServingCertificate(o, held(stored));
    o.log.info({ node: o.nodeName, ...o.names }, 'requesting a serving certificate (kubelet-serving)');
    const pair = await NodeServingCertificate.request(client, o);
    await writePairFile(path, pair);
    return new NodeServingCertificate(o, held(pair));
  }

  private static request(client: KubeClient, o: NodeServingCertificateOptions): Promise<ClientCertPair> {
    return requestCertificate(client, nodeServingRequest(o.nodeName, o.names, o.expirationSeconds), {
      ...o.request,
      afterCreate: async (csr) => {
        await approveOwnRequest(client, csr, o.nodeName, o.log);
        await o.request?.afterCreate?.(csr);
      },
    });
  }

  current(): ClientCertPair {
    return this.pair.pair;
  }

  /** notAfter of the current certificate (ms since the epoch). */
  get notAfter(): number {
    return this.pair.notAfter;
  }

  /** Calls `fn` with every renewed pair. */
  onRotate(fn: (pair: ClientCertPair) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Renews the certificate at its renewal time (75-85 % of its life) with `client`; a failed
   * renewal is retried after retryMs. Returns a stop function; idempotent.
   */
  start(client: KubeClient): () => Promise<void> {
    return scheduleRenewals({
      validity: () => this.pair,
      renew: () => this.renewOnce(client),
      onFailure: (err) =>
        this.o.log.warn({ err, node: this.o.nodeName }, 'serving certificate renewal failed; retrying'),
      now: this.o.now,
      random: this.o.random,
      retryMs: this.o.retryMs,
    });
  }

  /** One renewal: request, store, then hand the new pair to the listeners. */
  async renewOnce(client: KubeClient): Promise<void> {
    const pair = await NodeServingCertificate.request(client, this.o);
    await writePairFile(join(this.o.dataDir, NODE_SERVING_CERT_FILE), pair);
    this.pair = held(pair);
    for (const fn of this.listeners) fn(pair);
    this.o.log.info(
      { node: this.o.nodeName, notAfter: new Date(this.pair.notAfter).toISOString() },
      'serving certificate renewed',
    );
  }
}

/** A serving certificate kept for a server: obtained in the background, renewed, handed over on every change. */
export interface ServingCertificateKeeper {
  /** Resolves once the first certificate was handed over (never rejects; stop() ends the attempts). */
  ready: Promise<void>;
  /** The certificate, once obtained. */
  certificate(): NodeServingCertificate | undefined;
  stop(): Promise<void>;
}

/**
 * Obtains the node's serving certificate (NodeServingCertificate.obtain; a failure is retried
 * after retryMs, default 30 s), hands it and every renewed one to `use`, and renews it until stop().
 * The caller decides how long to wait for `ready`: like the kubelet, an agent whose request waits
 * for an administrator runs its pods meanwhile; only its server has no certificate yet.
 */
export function keepServingCertificate(
  client: KubeClient,
  o: NodeServingCertificateOptions & { use: (pair: ClientCertPair) => void },
): ServingCertificateKeeper {
  let stopped = false;
  let cert: NodeServingCertificate | undefined;
  let stopRenewal: (() => Promise<void>) | undefined;
  let wake: (() => void) | undefined;
  const ready = (async () => {
    while (!stopped) {
      try {
        cert = await NodeServingCertificate.obtain(client, o);
        break;
      } catch (err) {
        if (stopped) return;
        o.log.warn({ err, node: o.nodeName }, 'obtaining the serving certificate failed; retrying');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, o.retryMs ?? 30_000).unref?.();
        });
      }
    }
    if (!cert || stopped) return;
    o.use(cert.current());
    cert.onRotate(o.use);
    stopRenewal = cert.start(client);
  })();
  return {
    ready,
    certificate: () => cert,
    async stop() {
      stopped = true;
      wake?.();
      await stopRenewal?.();
    },
  };
}
