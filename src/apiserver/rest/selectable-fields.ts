import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KindStrategy } from '../../api/kind-strategy.js';

/** The fields of an object a fieldSelector may name: metadata.name, metadata.namespace and the kind's own. */
export function selectableFields(strategy: KindStrategy, obj: KubeObject): Record<string, string> {
  let own: Record<string, string> = {};
  try {
    own = strategy.selectableFields?.(obj) ?? {};
  } catch {
    own = {};
  }
  return { ...own, 'metadata.name': obj.metadata?.name ?? '', 'metadata.namespace': obj.metadata?.namespace ?? '' };
}

const supportedCache = new WeakMap<KindStrategy, Set<string>>();

/** Whether a resource supports selecting on `field` (judged from the kind's selectable fields of an empty object). */
export function supportsField(rt: ResourceType, strategy: KindStrategy, field: string): boolean {
  let set = supportedCache.get(strategy);
  if (!set) {
    const skeleton = { apiVersion: rt.storageApiVersion, kind: rt.kind, metadata: {} } as KubeObject;
    set = new Set(Object.keys(selectableFields(strategy, skeleton)));
    supportedCache.set(strategy, set);
  }
  return set.has(field);
}
