/**
 * Conversion webhooks of multi-version CustomResourceDefinitions (`spec.conversion.strategy:
 * Webhook`): a ConversionReview (v1, or v1beta1 for a webhook that lists only that) sent to the CRD's clientConfig (url or Service, caBundle, as
 * admission webhooks reach theirs) and the reply checked as kube-apiserver's webhook converter
 * does: kind and apiVersion of the review, uid, result, one object back per object sent, each in
 * the desired version with the same kind, name, namespace and uid; metadata other than labels and
 * annotations is restored from the original.
 * The REST paths call it through rest/version-conversion.ts.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../api/object.js';
import type { WebhookClientConfig } from '../../../api/kinds/webhook-configuration.js';
import { validateAnnotations, validateLabels } from '../../../api/validation/labels.js';
import type { WatchCache } from '../../watch-cache.js';
import { CallFailed, postJson } from './call-webhook.js';
import { serviceTarget, urlTarget } from './service-target.js';

export const CONVERSION_REVIEW_API_VERSION = 'apiextensions.k8s.io/v1';
/** The ConversionReview versions this server sends, in its order of preference. */
export const CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** A conversion that failed; the message is Kubernetes' (`conversion webhook for <gvk> failed: ...`). */
export class ConversionFailed extends Error {}

/** The ConversionReview sent for `objects`. Pure. */
export function conversionReviewRequest(
  uid: string,
  desiredAPIVersion: string,
  objects: readonly KubeObject[],
  reviewApiVersion = CONVERSION_REVIEW_API_VERSION,
) {
  return {
    apiVersion: reviewApiVersion,
    kind: 'ConversionReview',
    request: { uid, desiredAPIVersion, objects },
  };
}

/** `example.com/v1, Kind=Widget`, as Go prints a GroupVersionKind. */
function gvkText(obj: KubeObject): string {
  return `${obj.apiVersion}, Kind=${obj.kind}`;
}

/**
 * The converted objects of a reply to the review `uid` of `originals` (all of one kind, none
 * already in `desired`). Throws ConversionFailed with Kubernetes' messages. Pure.
 */
export function convertedObjectsFrom(
  reply: unknown,
  uid: string,
  originals: readonly KubeObject[],
  desired: string,
  reviewApiVersion = CONVERSION_REVIEW_API_VERSION,
): KubeObject[] {
  const first = originals[0];
  if (!first) return [];
  const failed = (why: string) => new ConversionFailed(`conversion webhook for ${gvkText(first)} failed: ${why}`);
  const review = reply as { apiVersion?: unknown; kind?: unknown; response?: Record<string, unknown> } | null;
  if (!review || review.apiVersion !== reviewApiVersion || review.kind !== 'ConversionReview')
    throw failed(
      `expected webhook response of ${reviewApiVersion}, Kind=ConversionReview, got ${String(review?.apiVersion ?? '')}, Kind=${String(review?.kind ?? '')}`,
    );
  const r = review.response;
  if (!r || typeof r !== 'object') throw failed('no response provided');
  if (r.uid !== uid) throw failed(`expected response.uid="${uid}", got "${String(r.uid ?? '')}"`);
  const result = (r.result ?? {}) as { status?: string; message?: string };
  if (result.status !== 'Success')
    throw failed(result.message || `response.result.status was '${result.status ?? ''}', not 'Success'`);
  const converted = Array.isArray(r.convertedObjects) ? (r.convertedObjects as KubeObject[]) : [];
  const prefix = `conversion webhook for ${gvkText(first)}`;
  if (converted.length !== originals.length)
    throw new ConversionFailed(`${prefix} returned ${converted.length} objects, expected ${originals.length}`);
  return converted.map((out, i) => {
    const original = originals[i] as KubeObject;
    const at = `${prefix} returned invalid converted object at index ${i}`;
    if (!out || typeof out !== 'object') throw new ConversionFailed(`${at}: not an object`);
    if (out.apiVersion !== desired)
      throw new ConversionFailed(
        `${at}: invalid groupVersion (expected ${desired}, received ${String(out.apiVersion)})`,
      );
    if (out.kind !== original.kind)
      throw new ConversionFailed(`${at}: invalid kind (expected ${original.kind}, received ${String(out.kind)})`);
    const om = original.metadata;
    const cm = (out.metadata ?? {}) as KubeObject['metadata'];
    for (const [what, a, b] of [
      ['name', om.name, cm.name],
      ['namespace', om.namespace, cm.namespace],
      ['UID', om.uid, cm.uid],
    ] as const)
      if ((a ?? '') !== (b ?? ''))
        throw new ConversionFailed(`${at}: must have the same ${what}: ${a ?? ''} != ${b ?? ''}`);
    return {
      ...out,
      metadata: restoredMetadata(original, cm, `${prefix} returned invalid metadata in object at index ${i}`),
    };
  });
}

/** The original's metadata with the webhook's labels and annotations (validated when changed). */
function restoredMetadata(
  original: KubeObject,
  converted: KubeObject['metadata'],
  context: string,
): KubeObject['metadata'] {
  const meta: KubeObject['metadata'] = structuredClone(original.metadata);
  for (const field of ['labels', 'annotations'] as const) {
    const value = converted[field];
    if (value === undefined || value === null) {
      delete meta[field];
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value))
      throw new ConversionFailed(`${context}: invalid metadata.${field} in converted object`);
    for (const [k, v] of Object.entries(value))
      if (typeof v !== 'string')
        throw new ConversionFailed(`${context}: metadata.${field}[${k}] must be a string in converted object`);
    const errs =
      field === 'labels' ? validateLabels(value, 'metadata.labels') : validateAnnotations(value, 'metadata.annotation');
    if (errs.length > 0)
      throw new ConversionFailed(`${context}: ${errs.map((e) => `${e.field}: ${e.message}`).join(', ')}`);
    meta[field] = { ...value };
  }
  return meta;
}

/** What a conversion call needs: the CRD's webhook client config and where Services are looked up. */
export interface ConversionWebhook {
  clientConfig: WebhookClientConfig;
  /** The CRD's conversionReviewVersions: the first this server knows is sent (default v1). */
  conversionReviewVersions?: readonly string[];
  cache: WatchCache;
  post?: typeof postJson;
  /** Kubernetes gives conversion calls no timeout of their own; 30 s keeps a hung webhook from holding a request forever. */
  timeoutSeconds?: number;
}

/**
 * Converts `objects` (one kind) to `desired` through the webhook; objects already in `desired`
 * are not sent and come back as they are. Throws ConversionFailed.
 */
export async function convertThroughWebhook(
  hook: ConversionWebhook,
  objects: readonly KubeObject[],
  desired: string,
): Promise<KubeObject[]> {
  const toSend = objects.filter((o) => o.apiVersion !== desired);
  const first = toSend[0];
  if (!first) return [...objects];
  const known = hook.conversionReviewVersions?.length
    ? hook.conversionReviewVersions.find((v) => CONVERSION_REVIEW_VERSIONS.includes(v))
    : 'v1';
  if (!known)
    throw new ConversionFailed(
      `conversion webhook for ${gvkText(first)} failed: webhook does not accept known ConversionReview versions (v1, v1beta1)`,
    );
  const reviewApiVersion = `apiextensions.k8s.io/${known}`;
  const uid = randomUUID();
  const timeoutSeconds = hook.timeoutSeconds ?? 30;
  let reply: unknown;
  try {
    const cc = hook.clientConfig;
    const target = cc.url ? urlTarget(cc.url) : serviceTarget(hook.cache, cc, timeoutSeconds);
    reply = await (hook.post ?? postJson)(target, conversionReviewRequest(uid, desired, toSend, reviewApiVersion), {
      caPem: cc.caBundle ? Buffer.from(cc.caBundle, 'base64').toString('utf8') : undefined,
      timeoutSeconds,
    });
  } catch (err) {
    if (!(err instanceof CallFailed)) throw err;
    throw new ConversionFailed(`conversion webhook for ${gvkText(first)} failed: ${err.message}`);
  }
  const converted = convertedObjectsFrom(reply, uid, toSend, desired, reviewApiVersion);
  let next = 0;
  return objects.map((o) => (o.apiVersion === desired ? o : (converted[next++] as KubeObject)));
}
