/**
 * AdmissionReview v1 (admission.k8s.io/v1): the request the API server sends a webhook and the
 * checks of its response (VerifyAdmissionResponse), with Kubernetes' messages. Pure.
 */
import type { KubeObject } from '../../../api/object.js';
import type { ResourceType } from '../../../api/resource-type.js';
import type { UserInfo } from '../../auth/user-info.js';
import type { WebhookOperation } from './matching.js';

export const ADMISSION_REVIEW_API_VERSION = 'admission.k8s.io/v1';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface ReviewInput {
  uid: string;
  operation: WebhookOperation;
  /** The resource the webhook matched (an equivalent one under matchPolicy Equivalent). */
  rt: ResourceType;
  /** The resource the request was made to. */
  requestRt: ResourceType;
  subresource: string;
  name: string;
  namespace: string;
  user: UserInfo | undefined;
  /** The new object (none on delete), the old one (none on create), in the matched version. */
  object: KubeObject | undefined;
  oldObject: KubeObject | undefined;
  /** Kind of the request's object (Eviction for pods/eviction) in the request's version. */
  requestKind: GroupVersionKind;
  dryRun: boolean;
}

/** A kind from an object's apiVersion and kind; `fallback` when it carries none. */
export function kindOf(obj: KubeObject | undefined, fallback: GroupVersionKind): GroupVersionKind {
  if (!obj?.kind || !obj.apiVersion) return fallback;
  const slash = obj.apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: obj.apiVersion, kind: obj.kind }
    : { group: obj.apiVersion.slice(0, slash), version: obj.apiVersion.slice(slash + 1), kind: obj.kind };
}

const OPTIONS_KIND: Record<WebhookOperation, string> = {
  CREATE: 'CreateOptions',
  UPDATE: 'UpdateOptions',
  DELETE: 'DeleteOptions',
  CONNECT: '',
};

/** The AdmissionReview a webhook is sent. */
export function admissionReviewRequest(i: ReviewInput): Record<string, unknown> {
  const resource = (rt: ResourceType): GroupVersionResource => ({
    group: rt.group,
    version: rt.version,
    resource: rt.plural,
  });
  // The kind as the webhook sees it: in the matched version when the request's object is the resource's own kind.
  const kind =
    i.requestKind.kind === i.requestRt.kind && i.requestKind.group === i.requestRt.group
      ? { group: i.rt.group, version: i.rt.version, kind: i.rt.kind }
      : i.requestKind;
  const request: Record<string, unknown> = {
    uid: i.uid,
    kind,
    resource: resource(i.rt),
    requestKind: i.requestKind,
    requestResource: resource(i.requestRt),
    name: i.name,
    operation: i.operation,
    userInfo: userInfo(i.user),
    object: i.object ?? null,
    oldObject: i.oldObject ?? null,
    dryRun: i.dryRun,
  };
  if (i.subresource) {
    request.subResource = i.subresource;
    request.requestSubResource = i.subresource;
  }
  if (i.namespace) request.namespace = i.namespace;
  const optionsKind = OPTIONS_KIND[i.operation];
  if (optionsKind) {
    const options: Record<string, unknown> = { kind: optionsKind, apiVersion: 'meta.k8s.io/v1' };
    if (i.dryRun) options.dryRun = ['All'];
    request.options = options;
  }
  return { apiVersion: ADMISSION_REVIEW_API_VERSION, kind: 'AdmissionReview', request };
}

function userInfo(user: UserInfo | undefined): Record<string, unknown> {
  if (!user) return {};
  const out: Record<string, unknown> = { username: user.name };
  if (user.uid) out.uid = user.uid;
  if (user.groups.length > 0) out.groups = user.groups;
  if (user.extra && Object.keys(user.extra).length > 0) out.extra = user.extra;
  return out;
}

/** A webhook's verdict, checked. */
export interface AdmissionVerdict {
  allowed: boolean;
  /** metav1.Status of a refusal (code, reason, message, details), as the webhook gave it. */
  status?: { code?: number; reason?: string; message?: string; details?: Record<string, unknown> };
  /** JSON Patch operations (mutating webhooks only). */
  patch?: unknown[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** A response the API server cannot use; the message says why (Kubernetes' words). */
export class InvalidResponse extends Error {}

const invalid = (why: string) => new InvalidResponse(`received invalid webhook response: ${why}`);

/**
 * Checks a webhook's reply to the request with `uid` (VerifyAdmissionResponse of v1): kind and
 * apiVersion, uid, patchType JSONPatch with a base64 patch (mutating only). Throws InvalidResponse.
 */
export function verifyAdmissionResponse(reply: unknown, uid: string, mutating: boolean): AdmissionVerdict {
  const review = reply as { apiVersion?: unknown; kind?: unknown; response?: Record<string, unknown> } | null;
  if (!review || typeof review !== 'object') throw invalid('webhook response was absent');
  const gvk = `${String(review.apiVersion ?? '')}, Kind=${String(review.kind ?? '')}`;
  if (review.apiVersion !== ADMISSION_REVIEW_API_VERSION || review.kind !== 'AdmissionReview')
    throw invalid(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${gvk}`);
  const r = review.response;
  if (!r || typeof r !== 'object') throw invalid('webhook response was absent');
  if (r.uid !== uid) throw invalid(`expected response.uid="${uid}", got "${String(r.uid ?? '')}"`);
  const verdict: AdmissionVerdict = {
    allowed: r.allowed === true,
    warnings: Array.isArray(r.warnings) ? r.warnings.filter((w): w is string => typeof w === 'string') : [],
    auditAnnotations: {},
  };
  if (r.status && typeof r.status === 'object') verdict.status = r.status as AdmissionVerdict['status'];
  if (r.auditAnnotations && typeof r.auditAnnotations === 'object')
    for (const [k, v] of Object.entries(r.auditAnnotations as Record<string, unknown>))
      if (typeof v === 'string') verdict.auditAnnotations[k] = v;
  const hasPatch = typeof r.patch === 'string' && r.patch.length > 0;
  const hasPatchType = typeof r.patchType === 'string' && r.patchType.length > 0;
  if (hasPatch && !hasPatchType) throw invalid('webhook returned response.patch but not response.patchType');
  if (hasPatchType && !hasPatch) throw invalid('webhook returned response.patchType but not response.patch');
  if (!hasPatch) return verdict;
  if (!mutating) throw invalid('validating webhook may not return response.patch');
  if (r.patchType !== 'JSONPatch')
    throw invalid(`webhook returned invalid response.patchType of "${String(r.patchType)}"`);
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(r.patch as string, 'base64').toString('utf8'));
  } catch (err) {
    throw new InvalidResponse(`received undecodable patch in webhook response: ${(err as Error).message}`);
  }
  if (!Array.isArray(ops))
    throw new InvalidResponse('received undecodable patch in webhook response: the patch is not a JSON array');
  verdict.patch = ops;
  return verdict;
}
