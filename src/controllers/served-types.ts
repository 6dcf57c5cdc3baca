import type { ResourceType } from '../api/resource-type.js';
import { allResourceTypes } from '../api/resource-types.js';
import { parseApiVersion } from '../api/object.js';

/**
 * One ResourceType per stored resource (the preferred version; aliases that share storage, such
 * as events.k8s.io Events and autoscaling/v1 HPAs, are left out). What the garbage collector
 * watches and the namespace controller empties. Pure.
 */
export function storedResourceTypes(types: ResourceType[] = allResourceTypes()): ResourceType[] {
  const seen = new Set<string>();
  const out: ResourceType[] = [];
  for (const rt of types) {
    if (seen.has(rt.storagePrefix)) continue;
    seen.add(rt.storagePrefix);
    out.push(rt);
  }
  return out;
}

/**
 * The stored resource an ownerReference (apiVersion, kind) points at: the exact group/version
 * when served, else the same group and kind in another version. Undefined for unknown kinds. Pure.
 */
export function typeForReference(
  apiVersion: string,
  kind: string,
  types: ResourceType[] = allResourceTypes(),
): ResourceType | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  const exact = types.find((r) => r.group === group && r.version === version && r.kind === kind);
  const any = exact ?? types.find((r) => r.group === group && r.kind === kind);
  if (!any) return undefined;
  return storedResourceTypes(types).find((r) => r.storagePrefix === any.storagePrefix);
}
