import type { KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KindStrategy } from '../../api/kind-strategy.js';

/** The apiVersion a resource type is served in. */
export function servedApiVersion(rt: ResourceType): string {
  return apiVersionOf(rt.group, rt.version);
}

/**
 * Converts a stored object to the version the request asked for (no-op when they are the same),
 * with the defaults applied on read (custom resources; a copy when they change anything).
 */
export function toServed(obj: KubeObject, rt: ResourceType, strategy: KindStrategy): KubeObject {
  const served = servedApiVersion(rt);
  const converted = obj.apiVersion === served || !strategy.convert ? obj : strategy.convert(obj, served);
  return strategy.defaultOnRead ? strategy.defaultOnRead(converted) : converted;
}

/** Converts an object in the served version to the storage version. */
export function toStorage(obj: KubeObject, rt: ResourceType, strategy: KindStrategy): KubeObject {
  if (obj.apiVersion === rt.storageApiVersion || !strategy.convert) return obj;
  return strategy.convert(obj, rt.storageApiVersion);
}
