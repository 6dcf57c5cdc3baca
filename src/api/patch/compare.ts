/**
 * structured-merge-diff `Compare`: which field paths an edit from `before` to `after` added,
 * removed or modified. Modified means a leaf member present in both with a different value.
 * Callers pass field sets already filtered of ignored fields.
 */
import { deepEqual } from './json-value.js';
import { FieldSet } from './field-set.js';
import { valueAt } from './object-paths.js';

export interface Comparison { added: FieldSet; removed: FieldSet; modified: FieldSet }

export function compareObjects(before: unknown, beforeSet: FieldSet, after: unknown, afterSet: FieldSet): Comparison {
  const modified = new FieldSet();
  const both = beforeSet.intersection(afterSet);
  for (const p of both.paths()) {
    if (beforeSet.at(p).children.size > 0 || afterSet.at(p).children.size > 0) continue;
    if (!deepEqual(valueAt(before, p), valueAt(after, p))) modified.insert(p);
  }
  return { added: afterSet.difference(beforeSet), removed: beforeSet.difference(afterSet), modified };
}
