import { createHash } from 'node:crypto';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Packet mark bit set on service traffic we DNAT, masqueraded in postrouting (kube-proxy's bit). */
export const MASQ_MARK = 0x4000;
/** Session affinity timeout when the Service gives none (Kubernetes default: 3 hours). */
const DEFAULT_AFFINITY_SECONDS = 10800;

/** One nftables table as data: chains (name -> rules), verdict map elements, affinity sets. */
export interface Ruleset {
  table: string;
  /** Chain name -> rule lines, in order. Base chains carry their `type ... hook ...` header. */
  chains: Map<string, { header?: string; rules: string[] }>;
  /** `service-ips` and `no-endpoint-services`: key text -> verdict text. */
  maps: Map<string, Map<string, string>>;
  /** Affinity sets (dynamic, timeout seconds); kept across syncs so affinity survives them. */
  sets: Map<string, number>;
}

export interface ServiceInput {
  service: Service;
  /** EndpointSlices labelled with this Service's name. */
  slices: EndpointSlice[];
}

const MAP_TYPE = 'ipv4_addr . inet_proto . inet_service : verdict';
const MAPS = ['service-ips', 'no-endpoint-services'];

function short(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 8).replace(/[-_]/g, 'x');
}

function isIPv4(ip: string | undefined): ip is string {
  return !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

interface Endpoint { ip: string; port: number }

/**
 * The endpoints a Service port balances over: ready ones; when none is ready, serving-and-terminating
 * ones (as kube-proxy, KEP-1669). Slice ports match by name and protocol. Sorted and de-duplicated,
 * so the same input always gives the same rule text. Pure.
 */
export function portEndpoints(slices: EndpointSlice[], portName: string, protocol: string): Endpoint[] {
  const ready = new Map<string, Endpoint>();
  const fallback = new Map<string, Endpoint>();
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const p = s.ports?.find((sp) => (sp.name ?? '') === portName && (sp.protocol ?? 'TCP') === protocol);
    if (!p?.port) continue;
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      const isReady = c.ready !== false;
      const servingTerminating = c.serving === true && c.terminating === true;
      for (const ip of e.addresses ?? []) {
        if (!isIPv4(ip)) continue;
        const ep = { ip, port: p.port };
        if (isReady) ready.set(`${ip}:${p.port}`, ep);
        else if (servingTerminating) fallback.set(`${ip}:${p.port}`, ep);
      }
    }
  }
  const chosen = ready.size ? ready : fallback;
  return [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
}

/**
 * The desired table for these Services (ClusterIP only in this slice; headless and ExternalName
 * skipped, non-IPv4 addresses ignored). Pure and deterministic.
 *
 *   nat-output / nat-prerouting --> services: daddr . proto . dport vmap @service-ips
 *     --> svc-<id> (affinity lookups, numgen random mod N vmap) --> ep-<id> (mark, dnat)
 *   nat-postrouting: marked --> masquerade (replies come back through this host, also on a bridge)
 *   filter-output / filter-forward: new conns to a Service without endpoints --> reject (icmp port-unreachable)
 */
/** A fixed DNAT of `ip:port` (udp and tcp) to a local address, e.g. the cluster DNS 10.43.0.10:53 -> the node's DNS server. */
export interface StaticDnat {
  ip: string;
  port: number;
  to: string;
  toPort: number;
  /** Only packets arriving on this interface (prerouting), e.g. the pod bridge; output (host) always. */
  iifname?: string;
}

export function buildRuleset(table: string, inputs: ServiceInput[], staticDnat: StaticDnat[] = []): Ruleset {
  const chains: Ruleset['chains'] = new Map();
  const serviceIps = new Map<string, string>();
  const noEndpoints = new Map<string, string>();
  const sets = new Map<string, number>();
  const mark = `0x${MASQ_MARK.toString(16).padStart(8, '0')}`;
  const pre: string[] = [];
  const out: string[] = [];
  const fixed = new Set<string>();
  for (const d of staticDnat) {
    for (const proto of ['udp', 'tcp']) {
      const rule = `ip daddr ${d.ip} ${proto} dport ${d.port} dnat to ${d.to}:${d.toPort}`;
      pre.push(d.iifname ? `iifname "${d.iifname}" ${rule}` : rule);
      out.push(rule);
      fixed.add(`${d.ip} . ${proto} . ${d.port}`);
    }
  }
  chains.set('nat-prerouting', { header: 'type nat hook prerouting priority -100; policy accept;', rules: [...pre, 'jump services'] });
  chains.set('nat-output', { header: 'type nat hook output priority -100; policy accept;', rules: [...out, 'jump services'] });
  chains.set('nat-postrouting', { header: 'type nat hook postrouting priority 100; policy accept;', rules: [`meta mark & ${mark} == ${mark} meta mark set meta mark ^ ${mark} masquerade`] });
  chains.set('services', { rules: ['ip daddr . meta l4proto . th dport vmap @service-ips'] });
  const check = 'ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services';
  chains.set('filter-output', { header: 'type filter hook output priority -110; policy accept;', rules: [check] });
  chains.set('filter-forward', { header: 'type filter hook forward priority -110; policy accept;', rules: [check] });
  chains.set('reject-chain', { rules: ['reject'] });

  const sorted = [...inputs].sort((a, b) => key(a.service).localeCompare(key(b.service)));
  for (const { service, slices } of sorted) {
    const spec = service.spec;
    if (!spec || spec.type === 'ExternalName') continue;
    const ips = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]).filter(isIPv4);
    if (!ips.length) continue;
    const affinity = spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS : 0;
    for (const port of spec.ports ?? []) {
      const proto = (port.protocol ?? 'TCP').toLowerCase();
      if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') continue;
      const portId = `${key(service)}/${proto}/${port.name || port.port}`;
      const eps = portEndpoints(slices, port.name ?? '', port.protocol ?? 'TCP');
      for (const ip of ips) {
        const k = `${ip} . ${proto} . ${port.port}`;
        if (!eps.length && !fixed.has(k)) noEndpoints.set(k, 'goto reject-chain');
      }
      if (!eps.length) continue;
      const svcChain = `svc-${short(portId)}-${portId}`;
      const svcRules: string[] = [];
      const epChains = eps.map((e) => `ep-${short(`${portId}/${e.ip}:${e.port}`)}-${portId}/${e.ip}/${e.port}`);
      eps.forEach((e, i) => {
        const epRules = [`meta mark set meta mark | ${mark}`];
        if (affinity) {
          const set = `aff-${short(`${portId}/${e.ip}:${e.port}`)}`;
          sets.set(set, affinity);
          svcRules.push(`ip saddr @${set} goto ${epChains[i]}`);
          epRules.push(`update @${set} { ip saddr }`);
        }
        epRules.push(`meta l4proto ${proto} dnat to ${e.ip}:${e.port}`);
        chains.set(epChains[i] as string, { rules: epRules });
      });
      svcRules.push(eps.length === 1 ? `goto ${epChains[0]}` : `numgen random mod ${eps.length} vmap { ${epChains.map((c, i) => `${i} : goto ${c}`).join(', ')} }`);
      chains.set(svcChain, { rules: svcRules });
      for (const ip of ips) serviceIps.set(`${ip} . ${proto} . ${port.port}`, `goto ${svcChain}`);
    }
  }
  return { table, chains, maps: new Map([['service-ips', serviceIps], ['no-endpoint-services', noEndpoints]]), sets };
}

function key(s: Service): string {
  return `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
}

function chainBody(c: { header?: string; rules: string[] }): string {
  return [c.header, ...c.rules].filter(Boolean).join('; ');
}

/**
 * The `nft -f` script that turns `prev` (what the kernel holds, as last applied) into `next`, as
 * one transaction. Without prev: the table is replaced whole (add + delete + create). With prev:
 * only changed chains are flushed and refilled, map elements added and deleted, stale chains and
 * sets deleted after nothing refers to them; affinity sets are kept. Empty string = nothing to do. Pure.
 */
export function renderScript(next: Ruleset, prev?: Ruleset): string {
  const t = `ip ${next.table}`;
  const out: string[] = [];
  if (!prev || prev.table !== next.table) {
    out.push(`add table ${t}`, `delete table ${t}`, `table ${t} {`);
    for (const [name, timeout] of next.sets) out.push(`  set ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${timeout}s; }`);
    for (const name of MAPS) out.push(`  map ${name} { type ${MAP_TYPE}; }`);
    for (const [name, c] of next.chains) if (!c.header) out.push(`  chain ${name} { }`);
    out.push('}');
    for (const [name, c] of next.chains) {
      if (c.header) continue; // base chains last, once everything they reach exists
      for (const r of c.rules) out.push(`add rule ${t} ${name} ${r}`);
    }
    for (const name of MAPS) {
      const els = [...(next.maps.get(name) ?? [])].map(([k, v]) => `${k} : ${v}`);
      if (els.length) out.push(`add element ${t} ${name} { ${els.join(', ')} }`);
    }
    for (const [name, c] of next.chains) {
      if (!c.header) continue;
      out.push(`add chain ${t} ${name} { ${c.header} }`);
      for (const r of c.rules) out.push(`add rule ${t} ${name} ${r}`);
    }
    return out.join('\n') + '\n';
  }
  for (const [name, timeout] of next.sets) if (prev.sets.get(name) !== timeout) {
    if (prev.sets.has(name)) out.push(`delete set ${t} ${name}`);
    out.push(`add set ${t} ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${timeout}s; }`);
  }
  const changed: string[] = [];
  for (const [name, c] of next.chains) {
    const old = prev.chains.get(name);
    if (old && chainBody(old) === chainBody(c)) continue;
    changed.push(name);
    out.push(old ? `flush chain ${t} ${name}` : `add chain ${t} ${name}${c.header ? ` { ${c.header} }` : ''}`);
  }
  // Map elements pointing at chains that go away are deleted first; new ones added once chains exist.
  const mapOps: string[] = [];
  for (const name of MAPS) {
    const a = prev.maps.get(name) ?? new Map<string, string>();
    const b = next.maps.get(name) ?? new Map<string, string>();
    const del = [...a].filter(([k, v]) => b.get(k) !== v).map(([k]) => k);
    const add = [...b].filter(([k, v]) => a.get(k) !== v).map(([k, v]) => `${k} : ${v}`);
    if (del.length) out.push(`delete element ${t} ${name} { ${del.join(', ')} }`);
    if (add.length) mapOps.push(`add element ${t} ${name} { ${add.join(', ')} }`);
  }
  for (const name of changed) for (const r of next.chains.get(name)?.rules ?? []) out.push(`add rule ${t} ${name} ${r}`);
  out.push(...mapOps);
  const stale = [...prev.chains.keys()].filter((n) => !next.chains.has(n));
  // Stale service chains jump to stale endpoint chains: flush all, then delete.
  for (const n of stale) out.push(`flush chain ${t} ${n}`);
  for (const n of stale) out.push(`delete chain ${t} ${n}`);
  for (const n of prev.sets.keys()) if (!next.sets.has(n)) out.push(`delete set ${t} ${n}`);
  return out.length ? out.join('\n') + '\n' : '';
}
