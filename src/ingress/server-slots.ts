import type { Endpoint } from './ingress-model.js';

/**
 * Server slots of the HAProxy backends: each backend has a fixed number of `server sN` lines
 * (disabled when empty), so endpoints come and go through the runtime API (`set server ... addr`,
 * `state ready|maint`) without a reload; only a backend outgrowing its slots changes the structure.
 * An endpoint keeps its slot while it stays, so established connections and stick counters stay put.
 * Pure.
 */

/** Slots per backend: at least this many, then the next power of two above the endpoint count. */
export const MIN_SLOTS = 8;

/** slot index -> endpoint (`ip:port`), undefined = empty (disabled). */
export type SlotTable = (string | undefined)[];

export const endpointId = (e: Endpoint): string => `${e.ip}:${e.port}`;

/** The slot count a backend with `n` endpoints needs, never fewer than it `had` (slots only grow). */
export function slotCount(n: number, had = 0): number {
  let size = MIN_SLOTS;
  while (size < n) size *= 2;
  return Math.max(size, had);
}

/**
 * The next slot table: endpoints still present keep their slot, new ones fill the lowest free
 * slots, gone ones leave theirs empty. `size` must be >= endpoints.length.
 */
export function assignSlots(prev: SlotTable | undefined, endpoints: Endpoint[], size: number): SlotTable {
  const want = new Set(endpoints.map(endpointId));
  const next: SlotTable = Array.from({ length: size }, (_, i) => {
    const e = prev?.[i];
    return e !== undefined && want.has(e) ? e : undefined;
  });
  const placed = new Set(next.filter((e): e is string => e !== undefined));
  let free = 0;
  for (const id of want) {
    if (placed.has(id)) continue;
    while (next[free] !== undefined) free++;
    next[free] = id;
  }
  return next;
}

/** Server name of slot i (1-based, as `server-template` would name them). */
export const slotName = (i: number): string => `s${i + 1}`;

/**
 * Runtime API commands that turn `prev` into `next` for one backend (same size): emptied slots go
 * to maintenance (no new requests; requests in flight finish), changed ones get their address then
 * go ready. Empty when nothing changed.
 */
export function slotCommands(backend: string, prev: SlotTable, next: SlotTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < next.length; i++) {
    const was = prev[i];
    const now = next[i];
    if (was === now) continue;
    const server = `${backend}/${slotName(i)}`;
    if (was !== undefined) out.push(`set server ${server} state maint`);
    if (now !== undefined) {
      const at = now.lastIndexOf(':');
      out.push(`set server ${server} addr ${now.slice(0, at)} port ${now.slice(at + 1)}`);
      out.push(`set server ${server} state ready`);
    }
  }
  return out;
}
