/**
 * Path elements of structured-merge-diff field paths, in the string form FieldsV1 uses as keys:
 * `f:<field>`, `k:<json object of list-map keys, sorted>`, `v:<json value>`, `i:<index>`.
 * `formatPath` renders a path the way Kubernetes prints it in apply conflicts:
 * `.spec.template.spec.containers[name="web"].image`.
 */
import { isObject, type JsonObject } from './json-value.js';

/** One encoded path element, e.g. `f:spec` or `k:{"name":"web"}`. */
export type PathElement = string;
/** A path from the object root, as encoded elements. */
export type FieldPath = PathElement[];

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const indexElement = (i: number): PathElement => `i:${i}`;
export const valueElement = (v: unknown): PathElement => `v:${canonicalJson(v)}`;
/**
 * Key fields of Kubernetes list-maps that have schema defaults: an applied item without them means
 * the default (structured-merge-diff fills defaulted keys), so `{containerPort: 80}` and the stored
 * `{containerPort: 80, protocol: TCP}` are the same item. Every such key in the served kinds is a
 * `protocol` defaulting to TCP (container, service and endpoint ports).
 */
const DEFAULTED_KEY_FIELDS: Record<string, unknown> = { protocol: 'TCP' };

/** `k:{...}` from the key fields of a list item; keys sorted as structured-merge-diff sorts them. */
export function keyElement(item: JsonObject, keys: string[]): PathElement {
  let out = 'k:{';
  let first = true;
  for (const name of sortedUnique(keys)) {
    const v = item[name] ?? (keys.length > 1 ? DEFAULTED_KEY_FIELDS[name] : undefined);
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(name)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** The key names of a list-map sorted and without repeats (almost always one or two names). */
function sortedUnique(keys: string[]): string[] {
  if (keys.length === 1) return keys;
  if (keys.length === 2) return keys[0] < keys[1] ? keys : keys[0] > keys[1] ? [keys[1], keys[0]] : [keys[0]];
  return [...new Set(keys)].sort();
}

/** JSON with object keys sorted, so equal values encode equally. */
export function canonicalJson(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** The element's type letter: 'f' | 'k' | 'v' | 'i'. */
export const elementType = (pe: PathElement): string => pe.slice(0, 1);
/** The element's payload: field name, key object, value or index. */
export function elementPayload(pe: PathElement): unknown {
  const body = pe.slice(2);
  if (pe.startsWith('f:')) return body;
  if (pe.startsWith('i:')) return Number(body);
  return JSON.parse(body);
}

/** Kubernetes' conflict rendering of a path. */
export function formatPath(path: FieldPath): string {
  return path
    .map((pe) => {
      const payload = elementPayload(pe);
      switch (elementType(pe)) {
        case 'f':
          return `.${String(payload)}`;
        case 'k':
          return `[${Object.entries(payload as JsonObject)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        case 'v':
          return `[=${JSON.stringify(payload)}]`;
        default:
          return `[${String(payload)}]`;
      }
    })
    .join('');
}

/** Rank of an element's type letter (by char code): f, k, v, i; anything else last. */
function rank(pe: PathElement): number {
  switch (pe.charCodeAt(0)) {
    case 0x66:
      return 0; // f
    case 0x6b:
      return 1; // k
    case 0x76:
      return 2; // v
    case 0x69:
      return 3; // i
    default:
      return 9;
  }
}

/** Sort order of elements within a set: fields, then keys, values, indexes; each lexically. */
export function compareElements(a: PathElement, b: PathElement): number {
  const ra = rank(a);
  const r = ra - rank(b);
  if (r !== 0) return r;
  if (ra === 3) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}
