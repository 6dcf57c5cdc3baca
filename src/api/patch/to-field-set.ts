/**
 * The set of fields an object "sets", as structured-merge-diff's `ToFieldSet` computes it:
 * scalars, atomic lists and atomic maps are leaves; map entries and list items are members
 * (items keyed `k:{...}` for list-maps, `v:...` for sets); struct fields are members only when
 * null or an empty object. Without schema (undefined / 'unknown') maps are granular and lists
 * atomic (deduced type).
 */
import type { TypeInfo } from '../schema/type-info.js';
import { isObject } from './json-value.js';
import { fieldElement, type FieldPath } from './field-path.js';
import { FieldSet } from './field-set.js';
import { isAtomicMap, itemElement, listSemantics } from './list-semantics.js';
import { childType } from './smp-directives.js';

/** Field set of `value` (normally a whole object) under `type`. */
export function fieldSetOf(value: unknown, type: TypeInfo | undefined): FieldSet {
  const set = new FieldSet();
  walk(value, type, [], set);
  return set;
}

function walk(v: unknown, t: TypeInfo | undefined, path: FieldPath, set: FieldSet): void {
  const kind = t?.kind ?? 'unknown';
  if (kind === 'scalar' || isAtomicMap(t)) {
    set.insert(path);
    return;
  }
  if (kind === 'array') {
    const sem = listSemantics(t);
    if (!Array.isArray(v) || sem.kind === 'atomic') {
      set.insert(path);
      return;
    }
    v.forEach((item, i) => {
      const p = [...path, itemElement(item, i, sem)];
      set.insert(p);
      if (sem.kind === 'map') walk(item, t?.elements(), p, set);
    });
    return;
  }
  if (!isObject(v)) {
    set.insert(path);
    return;
  }
  for (const [k, child] of Object.entries(v)) {
    const p = [...path, fieldElement(k)];
    const ct = childType(t, k);
    // Map entries and undeclared fields are members; declared struct fields only when empty.
    const granularEntry = kind === 'map' || kind === 'unknown' || (kind === 'object' && ct === undefined);
    if (granularEntry || child === null || (isObject(child) && Object.keys(child).length === 0)) set.insert(p);
    walk(child, ct, p, set);
  }
}
