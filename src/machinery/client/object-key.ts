import type { KubeObject } from '../../api/object.js';

/** A namespaced name; namespace '' for cluster-scoped objects. */
export interface ObjectKey {
  namespace: string;
  name: string;
}

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). Pure. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The cache key of an object. Pure. */
export function objectKey(obj: KubeObject): string {
  return keyOf(obj.metadata.namespace, obj.metadata.name ?? '');
}

/** Splits `namespace/name` (or `name`) back into an ObjectKey. Pure. */
export function parseKey(key: string): ObjectKey {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
