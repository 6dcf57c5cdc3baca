/**
 * Names of the strategic-merge-patch directives and helpers to recognise or strip them.
 * See https://git.k8s.io/design-proposals-archive/cli/preserve-order-in-strategic-merge-patch.md
 */
import { isObject, type JsonObject } from './json-value.js';
import type { TypeInfo } from '../schema/type-info.js';

export const DIRECTIVE = '$patch';
export const RETAIN_KEYS = '$retainKeys';
export const SET_ELEMENT_ORDER = '$setElementOrder';
export const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

/** True for keys that are directives rather than fields. */
export function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE ||
    key === RETAIN_KEYS ||
    key.startsWith(`${SET_ELEMENT_ORDER}/`) ||
    key.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)
  );
}

/** `$setElementOrder/containers` → `containers`; undefined when `key` has another prefix. */
export function directiveTarget(key: string, prefix: string): string | undefined {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) return undefined;
  return key.slice(slash + 1);
}

/** Parsed x-kubernetes-patch-strategy of the field whose type is `t`. */
export function patchStrategyOf(t: TypeInfo | undefined): { merge: boolean; replace: boolean; retainKeys: boolean } {
  const parts = (t?.patchStrategy ?? '').split(',').map((s) => s.trim());
  return {
    merge: parts.includes('merge'),
    replace: parts.includes('replace'),
    retainKeys: parts.includes('retainKeys'),
  };
}

/** The schema of `key` inside a value of type `t` (struct field or map value). */
export function childType(t: TypeInfo | undefined, key: string): TypeInfo | undefined {
  if (!t) return undefined;
  if (t.kind === 'map') return t.elements();
  if (t.kind === 'object') return t.field(key);
  return undefined;
}

/**
 * Copy of a patch value with every directive removed and nulls dropped, for values that have
 * nothing to merge with. Returns `undefined` when the value itself is a `$patch: delete`.
 */
export function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) {
      if (isObject(item) && DIRECTIVE in item && Object.keys(item).length === 1) continue;
      const s = stripDirectives(item);
      if (s !== undefined) out.push(s);
    }
    return out;
  }
  if (isObject(v)) {
    if (v[DIRECTIVE] === 'delete') return undefined;
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (isDirectiveKey(k) || x === null) continue;
      const s = stripDirectives(x);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return v;
}
