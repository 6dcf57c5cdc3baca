import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';

/** The store key of one object: `/registry/<group>/<plural>/[<namespace>/]<name>`. */
export function storageKey(rt: ResourceType, namespace: string, name: string): string {
  return rt.namespaced ? `${rt.storagePrefix}${namespace}/${name}` : `${rt.storagePrefix}${name}`;
}

/**
 * The stored form of an object: JSON with apiVersion, kind and metadata first, so the first
 * `"metadata":{` in the text is the object's own (the watch cache relies on it to add the
 * resourceVersion without re-parsing).
 */
export function encodeObject(obj: KubeObject): Buffer {
  // Decoded bodies often already start with apiVersion, kind, metadata: no reordered copy then.
  if (startsWithTypeAndMetadata(obj)) return Buffer.from(JSON.stringify(obj));
  const { apiVersion, kind, metadata, ...rest } = obj;
  return Buffer.from(JSON.stringify({ apiVersion, kind, metadata, ...rest }));
}

/** Whether the first own keys are apiVersion, kind, metadata (all set), in that order. */
function startsWithTypeAndMetadata(obj: object): boolean {
  let i = 0;
  for (const k in obj) {
    if (k !== (i === 0 ? 'apiVersion' : i === 1 ? 'kind' : 'metadata')) return false;
    if ((obj as Record<string, unknown>)[k] === undefined) return false;
    if (++i === 3) return true;
  }
  return false;
}

export function decodeObject<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
}

/** Adds `metadata.resourceVersion` to JSON written by encodeObject (metadata first, no resourceVersion). */
export function withResourceVersion(text: string, revision: number): string {
  const at = text.indexOf('"metadata":{');
  if (at < 0) return text;
  const open = at + '"metadata":{'.length;
  const field = `"resourceVersion":"${revision}"`;
  return text.slice(0, open) + field + (text[open] === '}' ? '' : ',') + text.slice(open);
}

const SERIALIZED = Symbol('serialized');

/** Attaches the JSON an object was just stored as (with its resourceVersion), so the response reuses it. */
export function rememberJson<T extends object>(obj: T, json: string): T {
  Object.defineProperty(obj, SERIALIZED, { value: json, enumerable: false });
  return obj;
}

/** JSON of an object: the remembered form when it has one, else JSON.stringify. */
export function toJson(obj: unknown): string {
  const remembered = typeof obj === 'object' && obj !== null ? (obj as { [SERIALIZED]?: string })[SERIALIZED] : undefined;
  return remembered ?? JSON.stringify(obj);
}
