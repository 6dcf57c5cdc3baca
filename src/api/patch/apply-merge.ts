/**
 * structured-merge-diff `Merge` of an apply configuration into the live object: struct fields
 * and granular maps merge recursively, list-maps and sets merge item by item (shared items in
 * the configuration's order, live-only items kept in place), atomic values are replaced by the
 * configuration's. A null in the configuration removes the field. Pure.
 */
import type { TypeInfo } from '../schema/type-info.js';
import { clone, isObject, type JsonObject } from './json-value.js';
import { isAtomicMap, itemElement, listSemantics, type ListSemantics } from './list-semantics.js';
import { childType } from './smp-directives.js';

/** Result of merging `config` over `live` under `type`. */
export function mergeApplied(live: unknown, config: unknown, type: TypeInfo | undefined): unknown {
  const kind = type?.kind ?? 'unknown';
  if (kind === 'scalar' || isAtomicMap(type)) return clone(config);
  if (kind === 'array') {
    const sem = listSemantics(type);
    if (sem.kind === 'atomic' || !Array.isArray(config) || !Array.isArray(live)) return clone(config);
    return mergeList(live, config, sem, type?.elements());
  }
  if (!isObject(config) || !isObject(live)) return clone(config);
  const out: JsonObject = clone(live);
  for (const [k, cv] of Object.entries(config)) {
    if (cv === null) {
      delete out[k];
      continue;
    }
    out[k] = k in out ? mergeApplied(out[k], cv, childType(type, k)) : clone(cv);
  }
  return out;
}

function mergeList(live: unknown[], config: unknown[], sem: ListSemantics, elemType: TypeInfo | undefined): unknown[] {
  const lpe = live.map((x, i) => itemElement(x, i, sem));
  const rpe = config.map((x, i) => itemElement(x, i, sem));
  const lByPe = new Map(lpe.map((pe, i) => [pe, live[i]] as const));
  const rSet = new Set(rpe);
  const shared = rpe.filter((pe) => lByPe.has(pe));
  const merged = new Set<string>();
  const out: unknown[] = [];
  const take = (pe: string, rItem: unknown): void => {
    merged.add(pe);
    const l = lByPe.get(pe);
    out.push(l === undefined || sem.kind === 'set' ? clone(rItem) : mergeApplied(l, rItem, elemType));
    if (shared[0] === pe) shared.shift();
  };
  let li = 0;
  let ri = 0;
  while (li < live.length || ri < config.length) {
    if (li < live.length && ri < config.length) {
      if (lpe[li] === rpe[ri]) {
        take(rpe[ri], config[ri]);
        li++;
        ri++;
        continue;
      }
      if (rSet.has(lpe[li]) && shared.length > 0 && shared[0] !== lpe[li]) {
        li++;
        continue;
      }
    }
    if (li < live.length) {
      if (!rSet.has(lpe[li])) {
        out.push(clone(live[li]));
        li++;
        continue;
      }
      if (merged.has(lpe[li])) {
        li++;
        continue;
      }
    }
    if (ri < config.length) {
      take(rpe[ri], config[ri]);
      ri++;
    }
  }
  return out;
}
