/**
 * The FieldsV1 JSON a creator owns, written straight from the object in one walk guided by its
 * TypeInfo: the text `createdFieldSet(obj, type, sub).toFieldsV1()` would stringify to, byte for
 * byte, without the FieldSet tree, path strings, Maps and intermediate objects. Creates are the
 * API server's hottest write, and building this text through a FieldSet would be the largest
 * single cost of each; created-fields-v1.test.ts checks it against createdFieldSet on every served
 * kind's samples and random objects.
 *
 * The rules (see created-field-set.ts, which keeps them in FieldSet form):
 *   - a field is listed when it is a member or has members below it; a member with members below
 *     it starts with `".":{}`;
 *   - members: scalars, atomic lists and maps, null or `{}` values, entries of granular maps (and
 *     of objects without a schema), list items, and a granular map that appears;
 *   - list-maps give `k:{...}` items (recursing into them), sets `v:<json>`, other non-atomic
 *     lists `i:<index>`; duplicate items keep the last one;
 *   - keys sorted as structured-merge-diff sorts path elements (fields, keys, values, indexes).
 */
import type { TypeInfo } from '../schema/type-info.js';
import { isObject } from './json-value.js';
import { compareElements, indexElement, keyElement, valueElement } from './field-path.js';
import { listSemantics, type ListSemantics } from './list-semantics.js';

const META_IGNORED = new Set([
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
]);

/**
 * The creator's FieldsV1 of `obj` (main resource, or the `status` subresource) as JSON text;
 * undefined when the creator owns nothing (the manager entry is then left out).
 */
export function createdFieldsV1Json(
  obj: Record<string, unknown>,
  type: TypeInfo | undefined,
  subresource: string | undefined,
): string | undefined {
  const rootKind = type?.kind ?? 'unknown';
  const statusOnly = subresource === 'status';
  const mainResource = subresource === undefined || subresource === '';
  let out = '';
  for (const k of sortedKeys(obj, type)) {
    const child = obj[k];
    if (k === 'apiVersion' || k === 'kind' || child === undefined) continue;
    if (statusOnly ? k !== 'status' : k === 'status' && mainResource) continue;
    const ct = childType(type, k);
    const body =
      k === 'metadata' && isObject(child)
        ? fieldBody(child, ct, rootKind, META_IGNORED)
        : fieldBody(child, ct, rootKind, undefined);
    if (body !== undefined) out += out === '' ? fieldKey(k) + body : `,${fieldKey(k)}${body}`;
  }
  return out === '' ? undefined : `{${out}}`;
}

/** Set by `walk`: whether the value it walked is itself a member (read right after each call). */
let walkedMember = false;

/**
 * Body of field entry `value` of a `parentKind` value, undefined when it holds no member. Membership
 * is judged on the whole value; `skip` names keys left out of it (metadata's untracked fields).
 */
function fieldBody(
  value: unknown,
  ct: TypeInfo | undefined,
  parentKind: string,
  skip: Set<string> | undefined,
): string | undefined {
  let member =
    parentKind === 'map' ||
    parentKind === 'unknown' ||
    (parentKind === 'object' && ct === undefined) ||
    value === null ||
    (isObject(value) && isEmptyObject(value));
  const children = walk(value, ct, skip);
  member ||= walkedMember;
  if (children === '') return member ? '{}' : undefined;
  return member ? `{".":{},${children}}` : `{${children}}`;
}

/** The entries below `v` (comma-separated, '' when none); sets walkedMember. */
function walk(v: unknown, t: TypeInfo | undefined, skip: Set<string> | undefined): string {
  const kind = t === undefined ? 'unknown' : t.kind;
  if (kind === 'scalar' || t?.mapType === 'atomic') {
    walkedMember = true;
    return '';
  }
  if (kind === 'array') {
    const sem = semanticsOf(t as TypeInfo);
    if (!Array.isArray(v) || sem.kind === 'atomic') {
      walkedMember = true;
      return '';
    }
    const out = listItems(v, (t as TypeInfo).elements(), sem);
    walkedMember = false;
    return out;
  }
  if (!isObject(v)) {
    walkedMember = true;
    return '';
  }
  let out = '';
  for (const k of sortedKeys(v, t)) {
    const child = v[k];
    if (child === undefined || skip?.has(k)) continue;
    const body = fieldBody(child, childType(t, k), kind, undefined);
    if (body !== undefined) out += out === '' ? fieldKey(k) + body : `,${fieldKey(k)}${body}`;
  }
  // A granular map that appears is itself added (structured-merge-diff's comparison), hence `".": {}`.
  walkedMember = kind === 'map';
  return out;
}

/** Items of a set or list-map (every item a member), sorted, a repeated item keeping the last body. */
function listItems(items: unknown[], elementType: TypeInfo | undefined, sem: ListSemantics): string {
  const n = items.length;
  if (n === 0) return '';
  const elements: string[] = new Array(n);
  const bodies: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const item = items[i];
    if (sem.kind === 'set') {
      elements[i] = valueElement(item);
      bodies[i] = '{}';
    } else {
      elements[i] = isObject(item) && sem.kind === 'map' ? keyElement(item, sem.keys) : indexElement(i);
      const children = walk(item, elementType, undefined);
      bodies[i] = children === '' ? '{}' : `{".":{},${children}}`;
    }
  }
  if (n === 1) return `${JSON.stringify(elements[0])}:${bodies[0]}`;
  // Insertion sort of indexes (stable): among equal elements the last one written wins, as in a Map.
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let j = i - 1;
    while (j >= 0 && compareElements(elements[order[j]], elements[i]) > 0) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = i;
  }
  let out = '';
  for (let j = 0; j < n; j++) {
    const i = order[j];
    if (j + 1 < n && elements[order[j + 1]] === elements[i]) continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(elements[i])}:${bodies[i]}`;
  }
  return out;
}

/** `"f:<name>":` as JSON; memoised, since the same field names come back in every object. */
const fieldKeys = new Map<string, string>();
function fieldKey(name: string): string {
  let quoted = fieldKeys.get(name);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(`f:${name}`)}:`;
    // User-chosen names (labels, annotations, data keys) are unbounded: start over when full.
    if (fieldKeys.size >= 4096) fieldKeys.clear();
    fieldKeys.set(name, quoted);
  }
  return quoted;
}

/**
 * `Object.keys(o)` sorted. Objects of one type usually come with the same keys in the same
 * order, so the last order seen per type is kept and reused when the keys match it.
 */
const lastOrder = new WeakMap<TypeInfo, { keys: string[]; sorted: string[] }>();
let lastUntypedOrder: { keys: string[]; sorted: string[] } | undefined;
function sortedKeys(o: object, t: TypeInfo | undefined): string[] {
  const last = t === undefined ? lastUntypedOrder : lastOrder.get(t);
  if (last !== undefined) {
    let i = 0;
    let same = true;
    for (const k in o) {
      if (last.keys[i++] !== k) {
        same = false;
        break;
      }
    }
    if (same && i === last.keys.length) return last.sorted;
  }
  const keys = Object.keys(o);
  const sorted = keys.length > 1 ? insertionSorted(keys) : keys;
  const order = { keys, sorted };
  if (t === undefined) lastUntypedOrder = order;
  else lastOrder.set(t, order);
  return sorted;
}

/** A sorted copy (code-unit order, as `<`); insertion sort beats Array#sort on the few keys of an object. */
function insertionSorted(keys: string[]): string[] {
  const n = keys.length;
  if (n > 24) return [...keys].sort();
  const out = keys.slice();
  for (let i = 1; i < n; i++) {
    const k = out[i];
    let j = i - 1;
    while (j >= 0 && out[j] > k) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = k;
  }
  return out;
}

function childType(t: TypeInfo | undefined, key: string): TypeInfo | undefined {
  if (t === undefined) return undefined;
  if (t.kind === 'map') return t.elements();
  if (t.kind === 'object') return t.field(key);
  return undefined;
}

function isEmptyObject(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

const semanticsCache = new WeakMap<TypeInfo, ListSemantics>();

function semanticsOf(t: TypeInfo): ListSemantics {
  let sem = semanticsCache.get(t);
  if (sem === undefined) semanticsCache.set(t, (sem = listSemantics(t)));
  return sem;
}
