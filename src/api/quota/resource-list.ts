/**
 * ResourceList arithmetic of quota accounting (k8s.io/apiserver/pkg/quota/v1 resources.go): sums,
 * masks and comparisons over maps from resource name to exact quantity. Every function is pure
 * and returns a new map.
 */
import { addQuantity, cmpQuantity, formatQuantity, parseExact, subQuantity, ZERO, type Quantity } from './quantity.js';

export type ResourceList = Record<string, Quantity>;

/** Parses a ResourceList as objects carry it (`{cpu: '100m'}`); entries that do not parse are left out. */
export function parseResourceList(list: Record<string, string | number> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseExact(v);
    if (q) out[k] = q;
  }
  return out;
}

/** The list as objects carry it, every value in canonical text. */
export function formatResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(list).sort()) out[k] = formatQuantity(list[k]);
  return out;
}

/** a + b, key by key (a key of either). */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? addQuantity(out[k], v) : v;
  return out;
}

/** a - b, key by key (a key of either). */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = subQuantity(out[k] ?? ZERO, v);
  return out;
}

/** a - b with negative results clamped to zero (quota.SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out = subtract(a, b);
  for (const [k, v] of Object.entries(out)) if (v.nano < 0n) out[k] = { nano: 0n, format: v.format };
  return out;
}

/** Only the entries whose names are in `names`. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (n in list) out[n] = list[n];
  return out;
}

/** Without zero entries. */
export function removeZeros(list: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list)) if (v.nano !== 0n) out[k] = v;
  return out;
}

/** Names of negative entries, sorted. */
export function negativeNames(list: ResourceList): string[] {
  return Object.keys(list)
    .filter((k) => list[k].nano < 0n)
    .sort();
}

/**
 * Whether every entry of a that b also names is at most b's (quota.LessThanOrEqual): the names
 * that exceed, sorted, empty when within.
 */
export function exceeded(a: ResourceList, b: ResourceList): string[] {
  return Object.keys(a)
    .filter((k) => k in b && cmpQuantity(a[k], b[k]) > 0)
    .sort();
}

/** Same names and equal values (quota.Equals). */
export function equals(a: ResourceList, b: ResourceList): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && cmpQuantity(a[k], b[k]) === 0);
}

/** `name=value` pairs sorted by name and joined by commas, as the quota admission's messages print them. */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${formatQuantity(list[k])}`)
    .join(',');
}
