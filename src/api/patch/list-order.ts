/**
 * Element order of merged strategic-merge-patch lists, as apimachinery computes it: items named
 * in the patch (or in `$setElementOrder`) keep the patch's relative order, items only on the
 * server keep theirs, and the two runs are interleaved by the server's order where both are known.
 */
import { isObject } from './json-value.js';
import { DIRECTIVE } from './smp-directives.js';
import { noMergeKey } from './smp-errors.js';

/** Identity of a list item: its merge-key value for maps, the item itself for scalars. */
function identity(item: unknown, mergeKey: string | undefined): unknown {
  return mergeKey && isObject(item) ? item[mergeKey] : item;
}

function indexIn(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  const id = identity(item, mergeKey);
  return list.findIndex((x) => identity(x, mergeKey) === id);
}

/** Splits `items` into those whose identity appears in `by` and the rest, keeping order. */
export function partitionByPresence(
  items: unknown[],
  by: unknown[],
  mergeKey: string | undefined,
): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of items) {
    if (mergeKey && !(isObject(item) && mergeKey in item)) throw noMergeKey(item, mergeKey);
    (indexIn(by, item, mergeKey) >= 0 ? present : absent).push(item);
  }
  return [present, absent];
}

/** Stable sort of `toSort` by position in `order`; `$patch: delete` items move to the end. */
export function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  let keep = toSort;
  let deletes: unknown[] = [];
  if (mergeKey) {
    for (const item of [...toSort, ...order]) {
      if (!isObject(item) || !(mergeKey in item)) throw noMergeKey(item, mergeKey);
    }
    keep = toSort.filter((x) => !(isObject(x) && x[DIRECTIVE] === 'delete'));
    deletes = toSort.filter((x) => isObject(x) && x[DIRECTIVE] === 'delete');
  }
  const rank = (x: unknown): number => {
    const i = indexIn(order, x, mergeKey);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const sorted = keep
    .map((x, i) => ({ x, i, r: rank(x) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.x);
  return [...sorted, ...deletes];
}

/**
 * The final order: `patchItems` sorted by `patchOrder`, `serverOnly` sorted by `serverOrder`,
 * then merged so that a server-only item goes before a patch item when the server had it first.
 */
export function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
