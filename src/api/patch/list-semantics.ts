/**
 * How server-side apply treats a list or map field, from its TypeInfo: x-kubernetes-list-type
 * first, else the strategic-merge annotations (merge + key → map keyed by it, merge alone → set),
 * else atomic. No schema (undefined) → atomic lists and granular maps, like structured-merge-diff's
 * deduced type. Also maps a list item to its path element.
 */
import type { TypeInfo } from '../schema/type-info.js';
import { isObject } from './json-value.js';
import { indexElement, keyElement, valueElement, type PathElement } from './field-path.js';
import { patchStrategyOf } from './smp-directives.js';

export type ListSemantics = { kind: 'atomic' } | { kind: 'set' } | { kind: 'map'; keys: string[] };

export function listSemantics(t: TypeInfo | undefined): ListSemantics {
  if (!t) return { kind: 'atomic' };
  const mergeKeys = t.listMapKeys?.length ? t.listMapKeys : t.patchMergeKey ? [t.patchMergeKey] : [];
  if (t.listType === 'atomic') return { kind: 'atomic' };
  if (t.listType === 'set') return { kind: 'set' };
  if (t.listType === 'map') return mergeKeys.length ? { kind: 'map', keys: mergeKeys } : { kind: 'atomic' };
  if (patchStrategyOf(t).merge) return t.patchMergeKey ? { kind: 'map', keys: mergeKeys } : { kind: 'set' };
  return { kind: 'atomic' };
}

/** True when an object or map value is owned as a whole (x-kubernetes-map-type: atomic). */
export function isAtomicMap(t: TypeInfo | undefined): boolean {
  return t?.mapType === 'atomic';
}

/** The path element of list item `item` at `index` under `sem` (non-atomic lists only). */
export function itemElement(item: unknown, index: number, sem: ListSemantics): PathElement {
  if (sem.kind === 'set') return valueElement(item);
  if (sem.kind === 'map' && isObject(item)) return keyElement(item, sem.keys);
  return indexElement(index);
}
