import type { Node } from 'kubernetes-types/core/v1.js';

/** A route to another node's pods: its pod CIDR via its InternalIP. */
export interface NodeRoute {
  /** The other node's spec.podCIDR, e.g. 10.42.1.0/24. */
  cidr: string;
  /** The other node's InternalIP (the next hop). */
  via: string;
  /** The other node's name (logs). */
  node: string;
}

const IPV4_CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The routes this node needs: one per other Node that has an IPv4 spec.podCIDR and an IPv4
 * InternalIP, sorted by CIDR. The node itself (`self`), nodes being deleted, and CIDRs claimed by two
 * nodes (a transient IPAM state; the first name wins) are left out. Pure.
 */
export function plannedNodeRoutes(nodes: readonly Node[], self: string): NodeRoute[] {
  const byCidr = new Map<string, NodeRoute>();
  const sorted = [...nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const n of sorted) {
    const name = n.metadata?.name ?? '';
    if (!name || name === self || n.metadata?.deletionTimestamp) continue;
    const cidr = n.spec?.podCIDR;
    const via = n.status?.addresses?.find((a) => a.type === 'InternalIP' && IPV4.test(a.address))?.address;
    if (!cidr || !IPV4_CIDR.test(cidr) || !via || byCidr.has(cidr)) continue;
    byCidr.set(cidr, { cidr, via, node: name });
  }
  return [...byCidr.values()].sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
}

/** What to change to go from `installed` to `wanted` (keyed by CIDR): routes to (re)place and CIDRs to delete. Pure. */
export function diffNodeRoutes(
  installed: ReadonlyMap<string, NodeRoute>,
  wanted: readonly NodeRoute[],
): { replace: NodeRoute[]; remove: NodeRoute[] } {
  const want = new Map(wanted.map((r) => [r.cidr, r]));
  const replace = wanted.filter((r) => installed.get(r.cidr)?.via !== r.via);
  const remove = [...installed.values()].filter((r) => !want.has(r.cidr));
  return { replace, remove };
}
