import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { compareIPv4 } from '../../machinery/net/ipv4.js';
import { portsKey, type EndpointGroup } from './pod-endpoints.js';

/** Kubernetes' default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** A slice to write: its ports and endpoints (metadata is filled in by the caller). */
export interface SliceContent {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/** What to do with a Service's managed slices. */
export interface SlicePlan<S extends EndpointSlice = EndpointSlice> {
  create: SliceContent[];
  update: { slice: S; content: SliceContent }[];
  delete: S[];
  /** Slices left as they are. */
  unchanged: S[];
}

const addrOf = (e: Endpoint): string => e.addresses[0] ?? '';
const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => canonical(a) === canonical(b);

/** JSON with sorted keys, so field order never makes two equal endpoints differ. Pure. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : val,
  );
}

/**
 * Minimal-churn placement of the desired endpoints into the existing managed slices (the
 * EndpointSlice reconciler's algorithm, simplified):
 *  1. per port group, each existing slice of that group keeps the endpoints still desired (updated
 *     in place when their fields changed) and drops the others;
 *  2. endpoints not placed yet go first into slices already being updated, then — if they all fit
 *     — into the fullest unchanged slice with room, then into new slices of at most `max`;
 *  3. slices left empty, and slices of port groups no longer desired, are deleted;
 *  4. a Service with no endpoints keeps exactly one empty placeholder slice (no ports).
 * `labelsStale(slice)` forces an update of a slice whose metadata must change. Pure.
 */
export function planSlices<S extends EndpointSlice>(
  existing: S[],
  desired: Map<string, EndpointGroup>,
  labelsStale: (s: S) => boolean,
  max = MAX_ENDPOINTS_PER_SLICE,
): SlicePlan<S> {
  const plan: SlicePlan<S> = { create: [], update: [], delete: [], unchanged: [] };
  const byKey = new Map<string, S[]>();
  for (const s of [...existing].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    const k = portsKey(s.ports ?? []);
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  for (const [key, group] of desired) {
    const want = new Map(group.endpoints.map((e) => [addrOf(e), e]));
    const slices = (byKey.get(key) ?? []).map((slice) => {
      const kept: Endpoint[] = [];
      let changed = labelsStale(slice);
      for (const e of slice.endpoints ?? []) {
        const w = want.get(addrOf(e));
        if (!w) {
          changed = true;
          continue;
        }
        want.delete(addrOf(e));
        if (!sameEndpoint(e, w)) changed = true;
        kept.push(w);
      }
      return { slice, kept, changed };
    });
    byKey.delete(key);
    const rest = [...want.values()].sort((a, b) => compareIPv4(addrOf(a), addrOf(b)));
    for (const s of slices) {
      if (!s.changed) continue;
      while (rest.length > 0 && s.kept.length < max) s.kept.push(rest.shift() as Endpoint);
    }
    if (rest.length > 0) {
      const roomy = slices
        .filter((s) => !s.changed && max - s.kept.length >= rest.length)
        .sort((a, b) => b.kept.length - a.kept.length)[0];
      if (roomy) {
        roomy.kept.push(...rest.splice(0));
        roomy.changed = true;
      }
    }
    for (const s of slices) {
      if (s.kept.length === 0) plan.delete.push(s.slice);
      else if (s.changed) plan.update.push({ slice: s.slice, content: { ports: group.ports, endpoints: s.kept } });
      else plan.unchanged.push(s.slice);
    }
    while (rest.length > 0) plan.create.push({ ports: group.ports, endpoints: rest.splice(0, max) });
  }
  const stale = [...byKey.values()].flat();
  const anyLeft = plan.create.length + plan.update.length + plan.unchanged.length > 0;
  if (!anyLeft) {
    // Placeholder: reuse an empty slice (or the first stale one) rather than delete and create.
    const reuse = stale.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0) ?? stale[0];
    if (reuse) {
      stale.splice(stale.indexOf(reuse), 1);
      const empty = (reuse.endpoints ?? []).length === 0 && (reuse.ports ?? []).length === 0;
      if (empty && !labelsStale(reuse)) plan.unchanged.push(reuse);
      else plan.update.push({ slice: reuse, content: { ports: [], endpoints: [] } });
    } else {
      plan.create.push({ ports: [], endpoints: [] });
    }
  }
  plan.delete.push(...stale);
  return plan;
}
