import type { ResourceType } from '../../api/resource-type.js';

/** The store key of one object: `/registry/<group>/<plural>/[<namespace>/]<name>`. */
export function storageKey(rt: ResourceType, namespace: string, name: string): string {
  return rt.namespaced ? `${rt.storagePrefix}${namespace}/${name}` : `${rt.storagePrefix}${name}`;
}

export function encodeObject(obj: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(obj));
}

export function decodeObject<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
}
