import { createHash } from 'node:crypto';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** Packet mark bit set on service traffic to masquerade, cleared in postrouting (kube-proxy's bit). */
export const MASQ_MARK = 0x4000;
const MARK = `0x${MASQ_MARK.toString(16).padStart(8, '0')}`;
export const MARK_FOR_MASQUERADE = `meta mark set meta mark | ${MARK}`;
/** Session affinity timeout when the Service gives none (Kubernetes default: 3 hours). */
const DEFAULT_AFFINITY_SECONDS = 10800;

/** What the rules of one node depend on besides the Services and slices. Fixed for a proxy's life. */
export interface ProxyConfig {
  /** This node's name: endpoints on other nodes are left out for traffic policy Local and hairpin. Undefined: every endpoint is local. */
  nodeName?: string;
  /**
   * The cluster's pod CIDR (e.g. 10.42.0.0/16): sources outside it reaching a ClusterIP are
   * masqueraded, pods keep their source address. Undefined (or masqueradeAll): all proxied traffic
   * is masqueraded.
   */
  clusterCIDR?: string;
  /** Masquerade every proxied connection (needed when bridged replies skip netfilter: no br_netfilter). */
  masqueradeAll?: boolean;
}

/** Verdict maps of the table (key text -> verdict text). */
export type MapName = 'service-ips' | 'service-nodeports' | 'no-endpoint-services' | 'no-endpoint-nodeports';

/** A UDP service port: where clients send, and the endpoints behind it (for conntrack clean-up). */
export interface UdpTarget {
  /** `ip:port` of cluster/external/LB addresses, `:nodePort` for a node port. */
  dests: string[];
  endpoints: string[];
}

/** The rules of one Service: its own chains, the map elements and sets it contributes. Immutable once built. */
export interface Fragment {
  chains: Map<string, string[]>;
  elements: [MapName, string, string][];
  /** Affinity sets (name -> timeout seconds). */
  sets: Map<string, number>;
  /** `ep . ep` for endpoints on this node: a pod reaching itself through the Service is masqueraded. */
  hairpin: string[];
  udp: Map<string, UdpTarget>;
}

export interface Endpoint {
  ip: string;
  port: number;
  nodeName?: string;
}

export function short(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 8).replace(/[-_]/g, 'x');
}

export function isIPv4(ip: string | undefined): ip is string {
  return !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

export function serviceKey(s: Service): string {
  return `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
}

interface Candidate {
  ep: Endpoint;
  ready: boolean;
  servingTerminating: boolean;
}

function candidates(slices: EndpointSlice[], portName: string, protocol: string): Candidate[] {
  const out = new Map<string, Candidate>();
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const p = s.ports?.find((sp) => (sp.name ?? '') === portName && (sp.protocol ?? 'TCP') === protocol);
    if (!p?.port) continue;
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      for (const ip of e.addresses ?? []) {
        if (!isIPv4(ip)) continue;
        const k = `${ip}:${p.port}`;
        if (out.get(k)?.ready) continue;
        out.set(k, {
          ep: { ip, port: p.port, ...(e.nodeName ? { nodeName: e.nodeName } : {}) },
          ready: c.ready !== false,
          servingTerminating: c.serving === true && c.terminating === true,
        });
      }
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

/** Ready endpoints; when none is ready, serving-and-terminating ones (kube-proxy, KEP-1669). */
function usable(cs: Candidate[]): Endpoint[] {
  const ready = cs.filter((c) => c.ready);
  return (ready.length ? ready : cs.filter((c) => c.servingTerminating)).map((c) => c.ep);
}

/**
 * The endpoints a Service port balances over: ready ones, else serving-and-terminating ones. Slice
 * ports match by name and protocol. Sorted and de-duplicated (same input, same rule text). Pure.
 */
export function portEndpoints(slices: EndpointSlice[], portName: string, protocol: string): Endpoint[] {
  return usable(candidates(slices, portName, protocol));
}

/**
 * The rules of one Service (pure; cached by the caller per Service and slices object):
 *
 *   service-ips[clusterIP . proto . port]         --> svc-X   (or local-X for internalTrafficPolicy Local)
 *   service-ips[externalIP|LB ingress . proto . port]
 *   service-nodeports[proto . nodePort]           --> ext-X   (mark for masquerade, goto svc-X;
 *                                                               externalTrafficPolicy Local: local endpoints, source kept)
 *   svc-X / local-X: mark non-cluster sources, [affinity lookups], dnat to numgen random mod N map {...}
 *   no endpoints at all: no-endpoint-* --> reject; none on this node under a Local policy: drop.
 *
 * `fixed` holds `ip . proto . port` keys served by a static DNAT (no reject entry for them).
 */
export function serviceFragment(
  service: Service,
  slices: EndpointSlice[],
  cfg: ProxyConfig,
  fixed: ReadonlySet<string> = new Set(),
): Fragment | undefined {
  const spec = service.spec;
  if (!spec || spec.type === 'ExternalName') return undefined;
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]).filter(isIPv4);
  if (!clusterIPs.length) return undefined; // headless
  const key = serviceKey(service);
  const external = [
    ...new Set(
      [
        ...(spec.externalIPs ?? []),
        ...(spec.type === 'LoadBalancer' ? (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip) : []),
      ].filter(isIPv4),
    ),
  ].sort();
  const usesNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const itpLocal = spec.internalTrafficPolicy === 'Local';
  const etpLocal = spec.externalTrafficPolicy === 'Local';
  const affinity =
    spec.sessionAffinity === 'ClientIP'
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS)
      : 0;
  const masqAll = cfg.masqueradeAll || !cfg.clusterCIDR;
  const markNonCluster = masqAll ? MARK_FOR_MASQUERADE : `ip saddr != ${cfg.clusterCIDR} ${MARK_FOR_MASQUERADE}`;
  const isLocal = (e: Endpoint) =>
    cfg.nodeName === undefined || e.nodeName === undefined || e.nodeName === cfg.nodeName;

  const f: Fragment = { chains: new Map(), elements: [], sets: new Map(), hairpin: [], udp: new Map() };
  const hairpin = new Set<string>();
  for (const port of spec.ports ?? []) {
    const proto = (port.protocol ?? 'TCP').toLowerCase();
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') continue;
    const portId = `${key}/${proto}/${port.name || port.port}`;
    const cs = candidates(slices, port.name ?? '', port.protocol ?? 'TCP');
    const all = usable(cs);
    const local = usable(cs.filter((c) => isLocal(c.ep)));
    const nodePort = usesNodePorts && port.nodePort ? port.nodePort : 0;
    const ipKeys = (ips: string[]) => ips.map((ip) => `${ip} . ${proto} . ${port.port}`).filter((k) => !fixed.has(k));
    if (proto === 'udp') {
      f.udp.set(portId, {
        dests: [
          ...[...clusterIPs, ...external].map((ip) => `${ip}:${port.port}`),
          ...(nodePort ? [`:${nodePort}`] : []),
        ],
        endpoints: all.map((e) => e.ip),
      });
    }
    if (!all.length) {
      for (const k of ipKeys([...clusterIPs, ...external]))
        f.elements.push(['no-endpoint-services', k, 'goto reject-chain']);
      if (nodePort) f.elements.push(['no-endpoint-nodeports', `${proto} . ${nodePort}`, 'goto reject-chain']);
      continue;
    }
    // Every local address listed, ready or not: a readiness flip then leaves the set alone.
    for (const c of cs) if (isLocal(c.ep)) hairpin.add(`${c.ep.ip} . ${c.ep.ip}`);

    // Endpoint chains exist only with affinity: they remember the client in the endpoint's set.
    const epChain = (e: Endpoint) => `ep-${short(`${portId}/${e.ip}:${e.port}`)}-${portId}/${e.ip}/${e.port}`;
    const pick = (eps: Endpoint[]): string[] => {
      if (!affinity) {
        if (eps.length === 1) return [`meta l4proto ${proto} dnat to ${eps[0]?.ip}:${eps[0]?.port}`];
        return [
          `meta l4proto ${proto} dnat ip addr . port to numgen random mod ${eps.length} map { ${eps.map((e, i) => `${i} : ${e.ip} . ${e.port}`).join(', ')} }`,
        ];
      }
      const rules: string[] = [];
      for (const e of eps) {
        const set = `aff-${short(`${portId}/${e.ip}:${e.port}`)}`;
        f.sets.set(set, affinity);
        f.chains.set(epChain(e), [`update @${set} { ip saddr }`, `meta l4proto ${proto} dnat to ${e.ip}:${e.port}`]);
        rules.push(`ip saddr @${set} goto ${epChain(e)}`);
      }
      rules.push(
        eps.length === 1
          ? `goto ${epChain(eps[0] as Endpoint)}`
          : `numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${epChain(e)}`).join(', ')} }`,
      );
      return rules;
    };

    const svcChain = `svc-${short(portId)}-${portId}`;
    f.chains.set(svcChain, [markNonCluster, ...pick(all)]);
    if (!itpLocal) {
      for (const k of ipKeys(clusterIPs)) f.elements.push(['service-ips', k, `goto ${svcChain}`]);
    } else if (local.length) {
      const localChain = `local-${short(portId)}-${portId}`;
      f.chains.set(localChain, [markNonCluster, ...pick(local)]);
      for (const k of ipKeys(clusterIPs)) f.elements.push(['service-ips', k, `goto ${localChain}`]);
    } else {
      for (const k of ipKeys(clusterIPs)) f.elements.push(['no-endpoint-services', k, 'drop']);
    }

    if (!external.length && !nodePort) continue;
    const extChain = `ext-${short(portId)}-${portId}`;
    if (!etpLocal) {
      f.chains.set(extChain, [MARK_FOR_MASQUERADE, `goto ${svcChain}`]);
    } else {
      // Local: pods and the node itself still use every endpoint (kube-proxy's short-circuit); outside
      // clients only local ones, unmasqueraded so the pod sees them; none local: drop.
      f.chains.set(extChain, [
        ...(cfg.clusterCIDR ? [`ip saddr ${cfg.clusterCIDR} goto ${svcChain}`] : []),
        `fib saddr type local ${MARK_FOR_MASQUERADE}`,
        `fib saddr type local goto ${svcChain}`,
        ...(local.length ? pick(local) : ['drop']),
      ]);
    }
    for (const k of ipKeys(external)) f.elements.push(['service-ips', k, `goto ${extChain}`]);
    if (nodePort) f.elements.push(['service-nodeports', `${proto} . ${nodePort}`, `goto ${extChain}`]);
  }
  if (!masqAll) f.hairpin = [...hairpin].sort();
  return f;
}
