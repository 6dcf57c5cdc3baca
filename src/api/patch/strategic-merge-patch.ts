/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), the format
 * `kubectl apply` (client-side), `edit`, `rollout restart|pause` and `patch` send. Follows
 * apimachinery's pkg/util/strategicpatch (apply half):
 *
 *   patch map ──► $patch (replace|delete|merge) ──► $retainKeys ──► $deleteFromPrimitiveList/x
 *             ──► $setElementOrder/x (merge list x, then order it) ──► remaining keys:
 *                   null → delete · absent or kind differs → take patch value (directives stripped)
 *                   map → recurse (unless patchStrategy replace)
 *                   list → merge by patchMergeKey / set-union when patchStrategy merge, else replace
 *
 * Patch metadata comes from `TypeInfo`; without it (unstructured) maps merge and lists replace,
 * like JSON merge patch. Pure: inputs are never mutated.
 */
import type { TypeInfo } from '../schema/type-info.js';
import { clone, isObject, jsonKind, type JsonObject } from './json-value.js';
import { normalizeElementOrder, partitionByPresence } from './list-order.js';
import {
  DELETE_FROM_PRIMITIVE_LIST,
  DIRECTIVE,
  RETAIN_KEYS,
  SET_ELEMENT_ORDER,
  childType,
  directiveTarget,
  patchStrategyOf,
  stripDirectives,
} from './smp-directives.js';
import { badPatchType, noMergeKey, smpBadRequest, smpInternal, smpMessages, smpUnprocessable } from './smp-errors.js';

/** Applies strategic merge patch `patch` to `doc` (a JSON object) under schema `type`. */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, type: TypeInfo | undefined): unknown {
  if (!isObject(patch)) throw smpBadRequest(smpMessages.badJsonDoc);
  return mergeMap(isObject(doc) ? clone(doc) : {}, clone(patch), type);
}

/** Merges `patch` into `original` (both owned copies, mutated here) and returns the result. */
function mergeMap(original: JsonObject, patch: JsonObject, t: TypeInfo | undefined): JsonObject {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return stripDirectives(patch) as JsonObject;
    }
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw badPatchType(directive, patch);
    delete patch[DIRECTIVE];
  }
  applyRetainKeys(original, patch);
  applyDeleteFromPrimitiveLists(original, patch);
  applySetElementOrders(original, patch, t);

  for (const [k, pv] of Object.entries(patch)) {
    if (pv === null) {
      delete original[k];
      continue;
    }
    original[k] = mergeValue(original[k], pv, childType(t, k));
    if (original[k] === undefined) delete original[k];
  }
  return original;
}

/** Merge of one field value; `undefined` result means "leave the field out". */
function mergeValue(ov: unknown, pv: unknown, ft: TypeInfo | undefined): unknown {
  if (ov === undefined || ov === null || jsonKind(ov) !== jsonKind(pv)) {
    if (isObject(pv)) return pv[DIRECTIVE] === 'delete' ? undefined : mergeMap({}, pv, ft);
    if (Array.isArray(pv)) return mergeList([], pv, ft);
    return pv;
  }
  if (isObject(ov) && isObject(pv)) return patchStrategyOf(ft).replace ? stripDirectives(pv) : mergeMap(ov, pv, ft);
  if (Array.isArray(ov) && Array.isArray(pv)) return mergeList(ov, pv, ft);
  return pv;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw smpBadRequest(smpMessages.badRetainKeys);
  const keep = new Set(retain.map(String));
  for (const [k, v] of Object.entries(patch)) {
    if (
      v === null ||
      directiveTarget(k, SET_ELEMENT_ORDER) !== undefined ||
      directiveTarget(k, DELETE_FROM_PRIMITIVE_LIST) !== undefined
    )
      continue;
    if (!keep.has(k)) throw smpBadRequest(smpMessages.badRetainKeys);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function applyDeleteFromPrimitiveLists(original: JsonObject, patch: JsonObject): void {
  for (const [key, pv] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    const target = directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST);
    delete patch[key];
    if (target === undefined || !Array.isArray(pv)) throw smpBadRequest(smpMessages.badPrimitiveList);
    const ov = original[target];
    if (Array.isArray(ov)) original[target] = ov.filter((x) => !pv.includes(x));
  }
}

function applySetElementOrders(original: JsonObject, patch: JsonObject, t: TypeInfo | undefined): void {
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const target = directiveTarget(key, SET_ELEMENT_ORDER);
    delete patch[key];
    if (target === undefined || !Array.isArray(order)) throw smpBadRequest(smpMessages.badSetElementOrder);
    const ft = childType(t, target);
    const mergeKey = patchStrategyOf(ft).merge ? ft?.patchMergeKey : undefined;
    const ov = Array.isArray(original[target]) ? (original[target] as unknown[]) : undefined;
    const pv = patch[target];
    if (pv !== undefined && !Array.isArray(pv)) throw smpBadRequest(smpMessages.badSetElementOrder);
    if (pv) validateAgainstOrder(pv, order, mergeKey);
    let merged: unknown[];
    if (ov && pv) merged = mergeList(ov, pv, ft);
    else if (ov) merged = ov;
    else if (pv) merged = mergeList([], pv, ft);
    else continue;
    const [inOrder, serverOnly] = partitionByPresence(merged, order, mergeKey);
    original[target] = normalizeElementOrder(inOrder, serverOnly, order, ov ?? [], mergeKey);
    delete patch[target];
  }
}

/** The non-deleted patch items must appear in `$setElementOrder` in the same relative order. */
function validateAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
  const items = patchList.filter((x) => !(isObject(x) && DIRECTIVE in x));
  let p = 0;
  for (let o = 0; o < order.length && p < items.length; o++) {
    const a = mergeKey && isObject(items[p]) ? (items[p] as JsonObject)[mergeKey] : items[p];
    const b = mergeKey && isObject(order[o]) ? (order[o] as JsonObject)[mergeKey] : order[o];
    if (a === b) p++;
  }
  if (p < items.length) {
    throw smpInternal(
      `The order in patch list:\n${JSON.stringify(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${JSON.stringify(order)}\n`,
    );
  }
}

/** mergeSliceHandler: merge strategy merges, anything else replaces with the patch list. */
function mergeList(original: unknown[], patch: unknown[], t: TypeInfo | undefined): unknown[] {
  if (!patchStrategyOf(t).merge) return stripDirectives(patch) as unknown[];
  if (original.length === 0 && patch.length === 0) return original;
  const elementKind = sharedElementKind([...original, ...patch]);
  if (elementKind !== 'object') {
    const merged: unknown[] = [];
    for (const x of [...original, ...patch]) if (!merged.includes(x)) merged.push(x);
    const [inPatch, serverOnly] = partitionByPresence(merged, patch, undefined);
    return normalizeElementOrder(inPatch, serverOnly, patch, original, undefined);
  }
  const mergeKey = t?.patchMergeKey;
  if (!mergeKey) throw smpInternal('cannot merge lists without merge key for type map');
  const elemType = t?.elements();
  let live = original;
  let items: JsonObject[] = [];
  let replace = false;
  for (const item of patch as JsonObject[]) {
    if (!(DIRECTIVE in item)) {
      items.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      live = live.filter((x) => !(isObject(x) && x[mergeKey] === item[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw smpInternal('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, item);
    }
  }
  if (replace) {
    live = items.map((x) => stripDirectives(x));
    items = [];
  }
  const merged = [...live];
  for (const item of items) {
    if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    const at = merged.findIndex((x) => isObject(x) && x[mergeKey] === item[mergeKey]);
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, item, elemType);
    else merged.push(mergeMap({}, item, elemType));
  }
  const [inPatch, serverOnly] = partitionByPresence(merged, items, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, items, live, mergeKey);
}

/** The JSON kind all items share; lists of lists are 422, mixed kinds a 500 as in apimachinery. */
function sharedElementKind(items: unknown[]): string {
  let kind: string | undefined;
  for (const x of items) {
    const k = jsonKind(x);
    if (k === 'array') throw smpUnprocessable(smpMessages.noListOfLists);
    if (kind === undefined) kind = k;
    else if (kind !== k) throw smpInternal(`list element types are not identical: ${JSON.stringify(items)}`);
  }
  return kind ?? 'null';
}
