/**
 * Reading and removing the value at a field path inside a plain JSON object (list items found
 * by key, value or index). Used by server-side apply to compare leaves and prune fields.
 */
import { deepEqual, isObject, type JsonObject } from './json-value.js';
import { elementPayload, elementType, type FieldPath, type PathElement } from './field-path.js';

function findItem(list: unknown[], pe: PathElement): number {
  const payload = elementPayload(pe);
  switch (elementType(pe)) {
    case 'k':
      return list.findIndex(
        (x) => isObject(x) && Object.entries(payload as JsonObject).every(([k, v]) => deepEqual(x[k], v)),
      );
    case 'v':
      return list.findIndex((x) => deepEqual(x, payload));
    case 'i':
      return (payload as number) < list.length ? (payload as number) : -1;
    default:
      return -1;
  }
}

function step(cur: unknown, pe: PathElement): unknown {
  if (elementType(pe) === 'f') return isObject(cur) ? cur[elementPayload(pe) as string] : undefined;
  if (!Array.isArray(cur)) return undefined;
  const i = findItem(cur, pe);
  return i < 0 ? undefined : cur[i];
}

/** The value at `path`, or undefined when absent. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur = obj;
  for (const pe of path) {
    cur = step(cur, pe);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the value at `path` from `obj` in place; absent paths are a no-op. */
export function removeAt(obj: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (elementType(last) === 'f') {
    if (isObject(parent)) delete parent[elementPayload(last) as string];
  } else if (Array.isArray(parent)) {
    const i = findItem(parent, last);
    if (i >= 0) parent.splice(i, 1);
  }
}
