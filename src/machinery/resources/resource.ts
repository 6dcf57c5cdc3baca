import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { findResourceType } from '../../api/resource-types.js';
import type { ResourceRef } from '../client/resource-path.js';

/**
 * An object of a resource as the API serves it: KubeObject's required apiVersion, kind and
 * (writable) metadata, plus the other typed fields of T (a kubernetes-types interface such as Pod).
 */
export type ObjectOf<T> = KubeObject & Omit<T, 'metadata'>;

/**
 * A resource reference that knows the type of its objects. The type lives only in the type
 * system (`__object` is never set at run time), so a plain ResourceRef is still accepted and
 * then means KubeObject. The client and informers infer their object type from it.
 */
export type TypedRef<O extends KubeObject> = ResourceRef & { readonly __object?: O };

/** A served resource (the registry entry of src/api/resource-types.ts) typed by its object's interface. */
export interface Resource<T> extends ResourceType {
  readonly __object?: ObjectOf<T>;
}

/**
 * The registry entry of group/version/plural, typed as Resource<T>. Called once per resource at
 * module load; throws when the resource is not served, so a typo fails at start-up, not later.
 */
export function servedResource<T>(group: string, version: string, plural: string): Resource<T> {
  const rt = findResourceType(group, version, plural);
  if (!rt) throw new Error(`resource ${group}/${version}/${plural} is not served`);
  return rt;
}
