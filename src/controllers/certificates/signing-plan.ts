import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  apiServerClientUsagesProblem,
  FAILED,
  hasTrueCondition,
  isApproved,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  kubeletClientProblem,
  kubeletServingProblem,
  type RequestSubject,
} from '../../api/certificates/index.js';

/** The signers this controller signs for with the cluster CA (kube-controller-manager's csrsigning). */
export const SIGNED_SIGNERS: readonly string[] = [
  KUBE_APISERVER_CLIENT_SIGNER,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBELET_SERVING_SIGNER,
];

/** Whether the signer should look at a request at all: approved, not failed, not issued, one of its signers. */
export function wantsSigning(csr: CertificateSigningRequest): boolean {
  return (
    isApproved(csr) &&
    !hasTrueCondition(csr, FAILED) &&
    !csr.status?.certificate &&
    SIGNED_SIGNERS.includes(csr.spec?.signerName ?? '')
  );
}

/**
 * Why the signer refuses a request it recognises by name (its Failed condition's message), or
 * undefined to sign it (csrsigning's isRecognized per signer).
 */
export function signerProblem(csr: CertificateSigningRequest, req: RequestSubject): string | undefined {
  const usages = csr.spec.usages ?? [];
  switch (csr.spec.signerName) {
    case KUBE_APISERVER_CLIENT_SIGNER:
      return apiServerClientUsagesProblem(usages);
    case KUBE_APISERVER_CLIENT_KUBELET_SIGNER:
      return kubeletClientProblem(req, usages);
    case KUBELET_SERVING_SIGNER:
      return kubeletServingProblem(req, usages);
    default:
      return `unknown signer ${csr.spec.signerName}`;
  }
}

/** Shortest certificate the signer issues: twice its 5 minute backdate (csrsigning's duration). */
const MIN_TTL_MS = 10 * 60_000;

/**
 * The validity of the certificate for a request: spec.expirationSeconds when set, but at most the
 * cluster's signing duration and at least 10 minutes; the signing duration otherwise.
 */
export function certificateTtlMs(csr: CertificateSigningRequest, signingDurationMs: number): number {
  const seconds = csr.spec.expirationSeconds;
  if (seconds === undefined) return signingDurationMs;
  const requested = seconds * 1000;
  if (requested > signingDurationMs) return signingDurationMs;
  return Math.max(requested, MIN_TTL_MS);
}
