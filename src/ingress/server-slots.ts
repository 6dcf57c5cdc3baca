import type { Endpoint } from './model-types.js';

/**
 * Server slots of the HAProxy backends: each backend has a fixed number of `server sN` lines
 * (disabled when empty), so endpoints come and go through the runtime API (`set server ... addr`,
 * `state ready|maint`) without a reload; only a backend outgrowing its slots changes the structure.
 * An endpoint keeps its slot while it stays, so established connections and stick counters stay put.
 * Pure.
 */

/** Slots per backend: at least this many, then the next power of two above the endpoint count. */
export const MIN_SLOTS = 8;

/** slot index -> endpoint (`ip:port`, `ip:port@weight` when weighted), undefined = empty (disabled). */
export type SlotTable = (string | undefined)[];

/** The identity of an endpoint in its slot (a weight change keeps the slot). */
export const endpointId = (e: Endpoint): string => `${e.ip}:${e.port}`;
const entryOf = (e: Endpoint): string => (e.weight === undefined ? endpointId(e) : `${endpointId(e)}@${e.weight}`);
/** A slot entry's address (`ip:port`) and weight. */
export function parseEntry(entry: string): { address: string; weight?: number } {
  const at = entry.indexOf('@');
  return at < 0 ? { address: entry } : { address: entry.slice(0, at), weight: Number(entry.slice(at + 1)) };
}

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
  const want = new Map(endpoints.map((e) => [endpointId(e), entryOf(e)]));
  const next: SlotTable = Array.from({ length: size }, (_, i) => {
    const e = prev?.[i];
    return e !== undefined ? want.get(parseEntry(e).address) : undefined;
  });
  const placed = new Set(next.filter((e): e is string => e !== undefined).map((e) => parseEntry(e).address));
  let free = 0;
  for (const [id, entry] of want) {
    if (placed.has(id)) continue;
    while (next[free] !== undefined) free++;
    next[free] = entry;
  }
  return next;
}

/** Server name of slot i (1-based, as `server-template` would name them). */
export const slotName = (i: number): string => `s${i + 1}`;

/**
 * Runtime API commands that turn `prev` into `next` for one backend (same size): emptied slots go
 * to maintenance (no new requests; requests in flight finish), changed ones get their address
 * (and weight) then go ready; a slot whose endpoint stays but whose weight changed gets only
 * `set server ... weight`. Empty when nothing changed.
 */
export function slotCommands(backend: string, prev: SlotTable, next: SlotTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < next.length; i++) {
    const was = prev[i];
    const now = next[i];
    if (was === now) continue;
    const server = `${backend}/${slotName(i)}`;
    const w = was === undefined ? undefined : parseEntry(was);
    const n = now === undefined ? undefined : parseEntry(now);
    if (w && n && w.address === n.address) {
      out.push(`set server ${server} weight ${n.weight ?? 1}`);
      continue;
    }
    if (w) out.push(`set server ${server} state maint`);
    if (n) {
      const at = n.address.lastIndexOf(':');
      out.push(`set server ${server} addr ${n.address.slice(0, at)} port ${n.address.slice(at + 1)}`);
      if (n.weight !== undefined || w?.weight !== undefined) out.push(`set server ${server} weight ${n.weight ?? 1}`);
      out.push(`set server ${server} state ready`);
    }
  }
  return out;
}
