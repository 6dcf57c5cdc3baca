/**
 * structured-merge-diff `Compare`: which field paths an edit from `before` to `after` added,
 * removed or modified. Modified means a leaf member present in both with a different value.
 * Newly added (removed) granular maps count as added (removed) themselves. `filter` drops
 * ignored fields from every set.
 */
import type { TypeInfo } from '../schema/type-info.js';
import { deepEqual, isObject } from './json-value.js';
import { fieldElement, type FieldPath } from './field-path.js';
import { FieldSet } from './field-set.js';
import { isAtomicMap, itemElement, listSemantics } from './list-semantics.js';
import { valueAt } from './object-paths.js';
import { fieldSetOf } from './to-field-set.js';
import { childType } from './smp-directives.js';

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

export function compareObjects(
  before: unknown,
  after: unknown,
  type: TypeInfo | undefined,
  filter: (s: FieldSet) => FieldSet,
): Comparison {
  const beforeSet = filter(fieldSetOf(before, type));
  const afterSet = filter(fieldSetOf(after, type));
  const modified = new FieldSet();
  const both = beforeSet.intersection(afterSet);
  for (const p of both.paths()) {
    if (beforeSet.at(p).children.size > 0 || afterSet.at(p).children.size > 0) continue;
    if (!deepEqual(valueAt(before, p), valueAt(after, p))) modified.insert(p);
  }
  return {
    added: afterSet.difference(beforeSet).union(filter(addedMapPaths(before, after, type))),
    removed: beforeSet.difference(afterSet).union(filter(addedMapPaths(after, before, type))),
    modified,
  };
}

/**
 * Granular maps (labels, annotations, data...) that appear in `after` but not in `before`:
 * structured-merge-diff's comparison records such a map itself as added, which is why Update
 * entries read `f:labels: {".": {}, "f:app": {}}`.
 */
export function addedMapPaths(before: unknown, after: unknown, type: TypeInfo | undefined): FieldSet {
  const out = new FieldSet();
  const visit = (v: unknown, t: TypeInfo | undefined, path: FieldPath): void => {
    if (t === undefined || isAtomicMap(t)) return;
    if (t.kind === 'array') {
      const sem = listSemantics(t);
      if (sem.kind === 'map' && Array.isArray(v)) {
        for (const [i, item] of v.entries()) visit(item, t.elements(), [...path, itemElement(item, i, sem)]);
      }
      return;
    }
    if ((t.kind !== 'object' && t.kind !== 'map') || !isObject(v)) return;
    if (t.kind === 'map' && path.length > 0 && valueAt(before, path) === undefined) out.insert(path);
    for (const [k, child] of Object.entries(v)) visit(child, childType(t, k), [...path, fieldElement(k)]);
  };
  visit(after, type, []);
  return out;
}
