/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`), as evanphx/json-patch applies it
 * for Kubernetes: objects merge recursively, `null` deletes a key, arrays and scalars replace.
 * Nulls nested in newly added objects are pruned. A patch that is not a JSON object is
 * rejected with 400 `Invalid JSON Patch`. Pure: inputs are never mutated.
 */
import { errors } from '../errors.js';
import { clone, isObject, type JsonObject } from './json-value.js';

/** Returns `doc` with `patch` merged in. `doc` that is not an object is treated as `{}`. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw errors.badRequest('Invalid JSON Patch');
  return mergeObjects(isObject(doc) ? doc : {}, patch);
}

function mergeObjects(doc: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = clone(doc);
  for (const [k, pv] of Object.entries(patch)) {
    if (pv === null) {
      delete out[k];
    } else if (isObject(pv) && isObject(out[k])) {
      out[k] = mergeObjects(out[k] as JsonObject, pv);
    } else {
      out[k] = pruneNulls(pv);
    }
  }
  return out;
}

/** Copy of `v` with null-valued object keys removed at any depth (null array items stay). */
export function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = pruneNulls(x);
    return out;
  }
  return v;
}
