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
  const { apiVersion, kind, metadata, ...rest } = obj;
  return Buffer.from(JSON.stringify({ apiVersion, kind, metadata, ...rest }));
}

export function decodeObject<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
}
