import type { TypeInfo } from '../api/schema/type-info.js';

/**
 * Makes a decoded object look as Go's typed decoding leaves it: a `null` field is the same as an
 * absent one, and a `null` item of a list of objects is an empty object (which validation then
 * reports field by field instead of defaulting code meeting a null). Mutates in place.
 */
export function normalizeNulls(value: unknown, type: TypeInfo | undefined): void {
  if (Array.isArray(value)) {
    const element = type?.elements();
    const objectItems = element?.kind === 'object' || element?.kind === 'map';
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null) {
        if (objectItems) value[i] = {};
      } else {
        normalizeNulls(value[i], element);
      }
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  // for-in: no key array per object (deleting the current key while iterating is fine).
  for (const key in obj) {
    const child = obj[key];
    if (child === null) {
      delete obj[key];
    } else if (typeof child === 'object') {
      normalizeNulls(child, type === undefined ? undefined : type.kind === 'map' ? type.elements() : type.field(key));
    }
  }
}
