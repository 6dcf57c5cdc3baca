import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Logger } from 'pino';
import { FAILED, trueCondition } from '../../api/certificates/index.js';
import { requestPem } from '../../api/kinds/certificate-signing-request.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type ReconcileResult, type RunningController } from '../../machinery/controller/controller.js';
import type { IssuedCert } from '../../machinery/pki/issue-certs.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { CSRS } from '../../machinery/resources/well-known.js';
import { certificateTtlMs, signerProblem, wantsSigning } from './signing-plan.js';

type CsrObject = ObjectOf<CertificateSigningRequest>;

/** Kubernetes' default --cluster-signing-duration: one year. */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 24 * 3_600_000;

export interface CsrSigningOptions {
  client: KubeClient;
  csrs: Informer<CsrObject>;
  /** The cluster CA: its certificate and key (PEM). */
  ca: IssuedCert;
  /** Longest certificate issued (default one year). */
  signingDurationMs?: number;
  now?: () => Date;
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Kubernetes' csrsigning controller for the kube-apiserver-client, kube-apiserver-client-kubelet
 * and kubelet-serving signers, keyed by CSR name: an approved, not failed, not yet issued request
 * gets status.certificate signed by the cluster CA; a request its signer refuses (wrong subject,
 * names or usages) gets a Failed condition `SignerValidationFailure` instead. Idempotent: an
 * issued or failed request is left alone.
 */
export function csrSigningReconciler(
  opts: CsrSigningOptions,
): (key: ObjectKey) => Promise<ReconcileResult | undefined> {
  const now = opts.now ?? (() => new Date());
  const signingDurationMs = opts.signingDurationMs ?? DEFAULT_SIGNING_DURATION_MS;
  return async ({ name }) => {
    const cached = opts.csrs.get('', name);
    if (!cached || !wantsSigning(cached)) return undefined;
    const csr = structuredClone(cached);
    const pki = await import('../../machinery/pki/certificate-requests.js');
    let status: NonNullable<CsrObject['status']>;
    try {
      const pem = requestPem(csr);
      const problem = signerProblem(csr, await pki.parseCertificateRequest(pem));
      if (problem === undefined) {
        const cert = await pki.signCertificateRequest(opts.ca, pem, {
          usages: csr.spec.usages ?? [],
          ttlMs: certificateTtlMs(csr, signingDurationMs),
          now: now(),
        });
        status = { ...csr.status, certificate: Buffer.from(cert).toString('base64') };
      } else {
        status = failed(csr, problem, now());
      }
    } catch (e) {
      if (!(e instanceof pki.InvalidRequestError)) throw e;
      status = failed(csr, `unable to parse csr "${name}": ${e.message}`, now());
    }
    try {
      await opts.client.updateStatus(CSRS, '', { ...csr, status });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return undefined;
  };
}

function failed(csr: CsrObject, message: string, now: Date): NonNullable<CsrObject['status']> {
  const condition = trueCondition(FAILED, 'SignerValidationFailure', message, rfc3339(now));
  return { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition] };
}

/** Starts the signing controller over the shared CSR informer. */
export function startCsrSigning(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  ca: IssuedCert;
  signingDurationMs?: number;
}): Promise<RunningController> {
  const csrs = opts.informers.informerFor(CSRS, 'full');
  return runController({
    name: 'csrsigning',
    log: opts.log,
    workers: 2,
    sources: [{ informer: csrs }],
    reconcile: csrSigningReconciler({
      client: opts.client,
      csrs,
      ca: opts.ca,
      signingDurationMs: opts.signingDurationMs,
    }),
  });
}
