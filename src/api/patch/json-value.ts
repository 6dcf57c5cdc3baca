/**
 * Plain-JSON helpers shared by the patch engines. Values are what `JSON.parse` returns; nothing
 * here mutates its arguments unless the name says so.
 */

export type JsonObject = { [key: string]: unknown };

/** True for a non-null, non-array object (a JSON object). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy of a JSON value (structuredClone is fine for JSON, but this keeps prototypes plain). */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}

/** Structural equality of two JSON values; object key order is ignored, array order is not. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** JSON kind used where Kubernetes compares Go types: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null'. */
export function jsonKind(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Go-like `%v` rendering used inside Kubernetes error messages (maps as `map[k:v]`). */
export function goString(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (isObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goString(v[k])}`)
      .join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}
