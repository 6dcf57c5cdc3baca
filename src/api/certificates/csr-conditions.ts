import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from 'kubernetes-types/certificates/v1.js';

/** Condition types with a meaning to Kubernetes (certificates.RequestConditionType). */
export const APPROVED = 'Approved';
export const DENIED = 'Denied';
export const FAILED = 'Failed';

/** A condition of `type` with status True is present. */
export function hasTrueCondition(csr: Pick<CertificateSigningRequest, 'status'>, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Approved and not denied (certificates.IsCertificateRequestApproved). */
export function isApproved(csr: Pick<CertificateSigningRequest, 'status'>): boolean {
  return hasTrueCondition(csr, APPROVED) && !hasTrueCondition(csr, DENIED);
}

/**
 * The CONDITION cell of `kubectl get csr` (printers.go extractCSRStatus): Denied, Approved or
 * Pending, then `,Failed` and `,Issued` when they apply. Any status of a condition counts, as there.
 */
export function conditionSummary(csr: Pick<CertificateSigningRequest, 'status'>): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let s = types.has(DENIED) ? 'Denied' : types.has(APPROVED) ? 'Approved' : 'Pending';
  if (types.has(FAILED)) s += ',Failed';
  if (csr.status?.certificate) s += ',Issued';
  return s;
}

/** A condition as a controller or a CLI appends it: status True, the given reason and message. */
export function trueCondition(
  type: string,
  reason: string,
  message: string,
  now: string,
): CertificateSigningRequestCondition {
  return { type, status: 'True', reason, message, lastUpdateTime: now, lastTransitionTime: now };
}
