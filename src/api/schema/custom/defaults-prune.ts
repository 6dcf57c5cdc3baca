/**
 * Pruning and defaulting of custom objects, in kube-apiserver's order: unknown fields are dropped
 * (`prune`, at decode), then nulls of non-nullable fields without a default are dropped and
 * defaults are applied (`applyDefaults`, on every request and on every read from storage).
 * Both mutate in place and are idempotent.
 */
import { checkObjectMeta } from '../check-structure.js';
import type { CrdSchema } from './crd-schema.js';
import { additionalSchema, isPlainObject, itemSchema } from './crd-schema.js';

const RESOURCE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

const join = (p: string, k: string) => (p ? `${p}.${k}` : k);

/**
 * Removes the fields the schema does not specify (unless under x-kubernetes-preserve-unknown-fields)
 * and returns their paths (`spec.foo`, `spec.items[0].bar`, `spec.labels[key].x`) in document order,
 * for fieldValidation's warnings and Strict errors. The root's (and embedded resources')
 * apiVersion, kind and metadata are the API's own and left to the caller.
 */
export function prune(obj: unknown, schema: CrdSchema): string[] {
  const out: string[] = [];
  pruneNode(obj, schema, '', true, out);
  return out;
}

function pruneNode(v: unknown, s: CrdSchema, path: string, resourceRoot: boolean, out: string[]): void {
  if (Array.isArray(v)) {
    const items = itemSchema(s);
    if (items)
      for (let i = 0; i < v.length; i++)
        pruneNode(v[i], items, `${path}[${i}]`, items['x-kubernetes-embedded-resource'] === true, out);
    return;
  }
  if (!isPlainObject(v)) return;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const add = additionalSchema(s);
  for (const k of Object.keys(v)) {
    // The root's (and an embedded resource's) apiVersion, kind and metadata are the API's own,
    // whatever the schema says of them (it may only restrict metadata.name/generateName).
    if (resourceRoot && RESOURCE_FIELDS.has(k)) {
      // An embedded resource's metadata is an ObjectMeta: its unknown fields go (the root's are
      // the API's, checked at decode).
      if (path !== '' && k === 'metadata')
        out.push(...checkObjectMeta(v[k], { prune: true, path: join(path, k) }).unknownFields);
      continue;
    }
    const prop = s.properties?.[k];
    if (prop) {
      pruneNode(v[k], prop, join(path, k), prop['x-kubernetes-embedded-resource'] === true, out);
      continue;
    }
    if (add) {
      pruneNode(v[k], add, `${path}[${k}]`, add['x-kubernetes-embedded-resource'] === true, out);
      continue;
    }
    if (preserve || s.additionalProperties === true) continue;
    out.push(join(path, k));
    delete v[k];
  }
}

function cloneJson<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Applies the schema's defaults to `obj` in place: a missing field with a default gets a copy of
 * it, as does a null in a non-nullable field; other nulls of non-nullable fields are dropped.
 * Defaults are applied top-down, so a default object gets its own fields' defaults too.
 */
export function applyDefaults(obj: unknown, schema: CrdSchema): void {
  defaultNode(obj, schema);
}

function nonNullableNull(v: unknown, s: CrdSchema | undefined): boolean {
  return v === null && s !== undefined && !s.nullable;
}

function defaultNode(v: unknown, s: CrdSchema | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    const items = itemSchema(s);
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      if (nonNullableNull(v[i], items) && items.default !== undefined) v[i] = cloneJson(items.default);
      defaultNode(v[i], items);
    }
    return;
  }
  if (!isPlainObject(v)) return;
  if (s.properties) {
    for (const [k, prop] of Object.entries(s.properties)) {
      if (prop.default === undefined) continue;
      if (!(k in v) || nonNullableNull(v[k], prop)) v[k] = cloneJson(prop.default);
    }
  }
  const add = additionalSchema(s);
  for (const k of Object.keys(v)) {
    const prop = s.properties?.[k] ?? add;
    if (!prop) continue;
    if (nonNullableNull(v[k], prop)) {
      if (prop.default !== undefined) v[k] = cloneJson(prop.default);
      else {
        delete v[k];
        continue;
      }
    }
    defaultNode(v[k], prop);
  }
}

/** Whether applyDefaults would change `v` (a read-only walk: stored objects usually need nothing). */
export function needsDefaults(v: unknown, s: CrdSchema | undefined): boolean {
  if (!s) return false;
  if (Array.isArray(v)) {
    const items = itemSchema(s);
    return items !== undefined && v.some((x) => nonNullableNull(x, items) || needsDefaults(x, items));
  }
  if (!isPlainObject(v)) return false;
  if (s.properties) {
    for (const [k, prop] of Object.entries(s.properties))
      if (prop.default !== undefined && (!(k in v) || nonNullableNull(v[k], prop))) return true;
  }
  const add = additionalSchema(s);
  for (const k of Object.keys(v)) {
    const prop = s.properties?.[k] ?? add;
    if (prop && (nonNullableNull(v[k], prop) || needsDefaults(v[k], prop))) return true;
  }
  return false;
}

/** `obj` itself when it needs no defaults, else a defaulted deep copy (for shared, cached objects). */
export function defaultedCopy<T>(obj: T, schema: CrdSchema): T {
  if (!needsDefaults(obj, schema)) return obj;
  const copy = structuredClone(obj);
  applyDefaults(copy, schema);
  return copy;
}

/** Whether any node of the schema has a default (without one, reads need no defaulting walk). */
export function hasDefaults(s: CrdSchema | undefined): boolean {
  if (!s) return false;
  if (s.default !== undefined) return true;
  if (s.properties && Object.values(s.properties).some(hasDefaults)) return true;
  return hasDefaults(additionalSchema(s)) || hasDefaults(itemSchema(s));
}
