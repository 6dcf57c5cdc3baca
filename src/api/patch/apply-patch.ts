/**
 * Dispatch of a PATCH body by Content-Type to the three non-apply patch formats. Server-side
 * apply (`application/apply-patch+yaml`) goes through `applyServerSide` instead.
 */
import { errors } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { TypeInfo } from '../schema/type-info.js';
import { isObject } from './json-value.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_YAML = 'application/apply-patch+yaml';

/**
 * Applies `patchBody` (parsed JSON) of media type `contentType` (parameters such as
 * `; charset=utf-8` are ignored) to `live` and returns the new object; `live` is not mutated.
 * `type` is the kind's schema (strategic merge only; undefined = unstructured). Throws 415 for
 * other media types and the format's own ApiErrors. The caller still checks name, namespace,
 * kind and resourceVersion, defaults, validates and updates managedFields.
 */
export function applyPatch(
  contentType: string,
  live: KubeObject,
  patchBody: unknown,
  type: TypeInfo | undefined,
): KubeObject {
  const media = contentType.split(';')[0].trim().toLowerCase();
  let out: unknown;
  switch (media) {
    case JSON_PATCH:
      out = applyJsonPatch(live, patchBody);
      break;
    case MERGE_PATCH:
      out = applyMergePatch(live, patchBody);
      break;
    case STRATEGIC_MERGE_PATCH:
      out = applyStrategicMergePatch(live, patchBody, type);
      break;
    case APPLY_PATCH_YAML:
      throw errors.internal('apply patches are handled by applyServerSide');
    default:
      throw errors.unsupportedMediaType(contentType);
  }
  if (!isObject(out)) throw errors.badRequest('the patched document is not a JSON object');
  return out as KubeObject;
}
