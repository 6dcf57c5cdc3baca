import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { cidrBroadcast, cidrNetwork, formatIPv4, isIPv4, parseIPv4, parseIPv4Cidr } from '../../machinery/net/ipv4.js';

/**
 * Address choice of the built-in LoadBalancer provider (k3s ServiceLB style). Pure.
 *
 * - With a pool: one address per Service. It keeps the one it has while that stays in the pool and
 *   no Service that holds it first uses one of its ports; otherwise it gets the first pool
 *   address where none of its ports is taken. None free: pending (no ingress).
 * - Without a pool: the InternalIPs of the Ready nodes (all nodes' when none is Ready), as k3s
 *   does, unless an older LoadBalancer Service already uses one of its ports there: pending.
 */

/** Services this provider serves: type LoadBalancer without a loadBalancerClass of another provider. */
export function isOurLoadBalancer(s: Service): boolean {
  return s.spec?.type === 'LoadBalancer' && !s.spec.loadBalancerClass;
}

/**
 * Parses `--service-lb-pool`: comma-separated IPv4 addresses, ranges `a-b` and CIDRs (network and
 * broadcast excluded below /31), in order, without duplicates, at most 65,536. Throws an Error
 * naming the bad item.
 */
export function parseLbPool(spec: string): string[] {
  const out = new Set<string>();
  for (const raw of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let from: number | undefined;
    let to: number | undefined;
    if (raw.includes('/')) {
      const cidr = parseIPv4Cidr(raw);
      if (!cidr || cidr.prefix < 16)
        throw new Error(`invalid LoadBalancer pool item ${JSON.stringify(raw)}: want a.b.c.d/16..32`);
      from = cidrNetwork(cidr);
      to = cidrBroadcast(cidr);
      if (cidr.prefix < 31) {
        from++;
        to--;
      }
    } else if (raw.includes('-')) {
      const [a, z] = raw.split('-');
      from = parseIPv4((a ?? '').trim());
      to = parseIPv4((z ?? '').trim());
      if (from === undefined || to === undefined || to < from || to - from >= 65536)
        throw new Error(
          `invalid LoadBalancer pool item ${JSON.stringify(raw)}: want a.b.c.d-e.f.g.h (first <= last, at most 65,536)`,
        );
    } else {
      from = to = parseIPv4(raw);
      if (from === undefined || to === undefined)
        throw new Error(`invalid LoadBalancer pool item ${JSON.stringify(raw)}: not an IPv4 address`);
    }
    for (let n = from; n <= to; n++) {
      out.add(formatIPv4(n));
      if (out.size > 65536) throw new Error('LoadBalancer pool larger than 65,536 addresses');
    }
  }
  return [...out];
}

/** InternalIPs of the Ready nodes, or of all nodes when none is Ready; sorted. */
export function nodeAddresses(nodes: Node[]): string[] {
  const ip = (n: Node) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return [...new Set((ready.length ? ready : nodes).map(ip).filter((a): a is string => !!a && isIPv4(a)))].sort();
}

const portKeys = (s: Service) => (s.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
export const currentIngress = (s: Service): string[] =>
  (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);
const name = (s: Service) => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
/** Older first (creation time, then namespace/name): the older Service keeps a contested port. */
const older = (a: Service, b: Service) =>
  (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') ||
  name(a).localeCompare(name(b));

/** The ingress addresses `svc` should have; [] = pending. `others` are the other Services (any type). */
export function chooseIngress(svc: Service, others: Service[], pool: string[], nodes: Node[]): string[] {
  const mine = new Set(portKeys(svc));
  const rivals = others.filter(
    (o) => isOurLoadBalancer(o) && name(o) !== name(svc) && portKeys(o).some((k) => mine.has(k)),
  );
  if (!pool.length) {
    const addrs = nodeAddresses(nodes);
    // Every LoadBalancer Service sits on the same node addresses: a port clash leaves the younger one pending.
    return rivals.some((o) => older(o, svc) < 0) ? [] : addrs;
  }
  const inPool = new Set(pool);
  const taken = new Map<string, Service[]>();
  for (const o of rivals)
    for (const ip of currentIngress(o)) if (inPool.has(ip)) taken.set(ip, [...(taken.get(ip) ?? []), o]);
  const kept = currentIngress(svc).find(
    (ip) => inPool.has(ip) && !(taken.get(ip) ?? []).some((o) => older(o, svc) < 0),
  );
  if (kept) return [kept];
  const free = pool.find((ip) => !taken.has(ip));
  return free ? [free] : [];
}
