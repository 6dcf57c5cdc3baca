import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { APPROVED, DENIED, FAILED } from '../../api/certificates/index.js';

const HOUR = 3_600_000;
/** How long requests stay after their state was reached (Kubernetes' csrcleaner). */
export const APPROVED_EXPIRATION_MS = HOUR;
export const DENIED_EXPIRATION_MS = HOUR;
export const PENDING_EXPIRATION_MS = 24 * HOUR;

/** What the cleaner decides for one request: delete now, or look again at `atMs` (undefined: never by itself). */
export type CleanupDecision = { delete: true; reason: string } | { delete: false; atMs?: number };

const time = (t: string | undefined): number | undefined => {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
};

function certificateNotAfter(b64: string): number | undefined {
  try {
    return Date.parse(new X509Certificate(Buffer.from(b64, 'base64')).validTo);
  } catch {
    return undefined;
  }
}

/**
 * Kubernetes' csrcleaner rules: a request is deleted when its issued certificate has expired, one
 * hour after it was approved and issued, denied or failed (the condition's lastUpdateTime), or
 * 24 hours after it was created while still pending (no conditions). Otherwise the earliest time
 * one of these comes due. Pure apart from parsing the certificate.
 */
export function cleanupDecision(
  csr: CertificateSigningRequest & { metadata?: { creationTimestamp?: string } },
  nowMs: number,
): CleanupDecision {
  const conditions = csr.status?.conditions ?? [];
  const due: { at: number; reason: string }[] = [];
  const created = time(csr.metadata?.creationTimestamp);
  if (conditions.length === 0 && created !== undefined)
    due.push({ at: created + PENDING_EXPIRATION_MS, reason: 'pending for more than 24 hours' });
  const issued = csr.status?.certificate;
  for (const c of conditions) {
    const updated = time(c.lastUpdateTime);
    if (c.type === DENIED && updated !== undefined)
      due.push({ at: updated + DENIED_EXPIRATION_MS, reason: 'denied more than an hour ago' });
    if (c.type === FAILED && updated !== undefined)
      due.push({ at: updated + DENIED_EXPIRATION_MS, reason: 'failed more than an hour ago' });
    if (c.type === APPROVED && issued) {
      if (updated !== undefined)
        due.push({ at: updated + APPROVED_EXPIRATION_MS, reason: 'issued more than an hour ago' });
      const notAfter = certificateNotAfter(issued);
      if (notAfter !== undefined) due.push({ at: notAfter, reason: 'its certificate has expired' });
    }
  }
  if (due.length === 0) return { delete: false };
  due.sort((a, b) => a.at - b.at);
  const first = due[0] as { at: number; reason: string };
  return first.at <= nowMs ? { delete: true, reason: first.reason } : { delete: false, atMs: first.at };
}
