import type { KubeObject } from '../../api/object.js';
import { allResourceTypes, RESOURCE_TYPES } from '../../api/resource-types.js';
import { getStrategy, strategyOf } from '../../api/kinds/index.js';
import { selectableFields } from '../rest/selectable-fields.js';

let prefixKinds: Map<string, { group: string; kind: string }> | undefined;

/**
 * The field-selector values the watch cache keeps for an object stored under a resource prefix:
 * judged by the first resource type stored there. The watch cache and the write workers (which
 * hand the cache these values instead of the object) both use this.
 */
export function storedFields(prefix: string, obj: KubeObject): Record<string, string> {
  if (!prefixKinds) {
    prefixKinds = new Map();
    for (const rt of RESOURCE_TYPES)
      if (!prefixKinds.has(rt.storagePrefix)) prefixKinds.set(rt.storagePrefix, { group: rt.group, kind: rt.kind });
  }
  const k = prefixKinds.get(prefix);
  if (k) return selectableFields(getStrategy(k.group, k.kind), obj);
  // A custom resource (its CRD's selectableFields), judged by the version it is stored in.
  const custom = allResourceTypes().find(
    (rt) => rt.custom && rt.storagePrefix === prefix && obj.apiVersion === `${rt.group}/${rt.version}`,
  );
  return custom
    ? selectableFields(strategyOf(custom), obj)
    : { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' };
}
