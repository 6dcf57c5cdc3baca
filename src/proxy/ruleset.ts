import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import {
  isIPv4,
  MASQ_MARK,
  serviceFragment,
  serviceKey,
  type Fragment,
  type MapName,
  type ProxyConfig,
} from './service-rules.js';

export { MASQ_MARK, portEndpoints, type ProxyConfig, type Fragment, type MapName } from './service-rules.js';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** One nftables table as data: fixed chains, one fragment per Service, the assembled maps and sets. */
export interface Ruleset {
  table: string;
  /** Chains that do not belong to a Service (hooks, dispatch, reject). Base chains carry their header. */
  base: Map<string, { header?: string; rules: string[] }>;
  /** Service key -> its rules. Unchanged Services keep the same object from one sync to the next. */
  fragments: Map<string, Fragment>;
  /** Verdict maps: key text -> verdict text (first Service by key wins a duplicate key). */
  maps: Map<MapName, Map<string, string>>;
  /** Affinity sets (dynamic, timeout seconds); kept across syncs so affinity survives them. */
  sets: Map<string, number>;
  /** `saddr . daddr` pairs masqueraded in postrouting (a pod reaching itself through a Service). */
  hairpin: Set<string>;
}

export interface ServiceInput {
  service: Service;
  /** EndpointSlices labelled with this Service's name. */
  slices: EndpointSlice[];
}

/** A fixed DNAT of `ip:port` (udp and tcp) to a local address, e.g. the cluster DNS 10.43.0.10:53 -> the node's DNS server. */
export interface StaticDnat {
  ip: string;
  port: number;
  to: string;
  toPort: number;
  /** Only packets arriving on this interface (prerouting), e.g. the pod bridge; output (host) always. */
  iifname?: string;
}

export interface RulesetOptions extends ProxyConfig {
  staticDnat?: StaticDnat[];
  /** Addresses NodePorts answer on (loopback ignored). Empty: every local address but 127.0.0.0/8 (`fib daddr type local`). */
  nodePortAddresses?: string[];
}

const MAP_TYPES: Record<MapName, string> = {
  'service-ips': 'ipv4_addr . inet_proto . inet_service : verdict',
  'service-nodeports': 'inet_proto . inet_service : verdict',
  'no-endpoint-services': 'ipv4_addr . inet_proto . inet_service : verdict',
  'no-endpoint-nodeports': 'inet_proto . inet_service : verdict',
};
const MAPS = Object.keys(MAP_TYPES) as MapName[];
const HAIRPIN = 'hairpin';

/** The chains every table has, from the node's options. Pure. */
function baseChains(o: RulesetOptions): { chains: Ruleset['base']; fixed: Set<string> } {
  const chains: Ruleset['base'] = new Map();
  const mark = `0x${MASQ_MARK.toString(16).padStart(8, '0')}`;
  const pre: string[] = [];
  const out: string[] = [];
  const fixed = new Set<string>();
  for (const d of o.staticDnat ?? []) {
    for (const proto of ['udp', 'tcp']) {
      const rule = `ip daddr ${d.ip} ${proto} dport ${d.port} dnat to ${d.to}:${d.toPort}`;
      pre.push(d.iifname ? `iifname "${d.iifname}" ${rule}` : rule);
      out.push(rule);
      fixed.add(`${d.ip} . ${proto} . ${d.port}`);
    }
  }
  const addrs = (o.nodePortAddresses ?? []).filter((a) => isIPv4(a) && !a.startsWith('127.')).sort();
  const onNode = addrs.length ? `ip daddr { ${addrs.join(', ')} }` : 'fib daddr type local ip daddr != 127.0.0.0/8';
  chains.set('nat-prerouting', {
    header: 'type nat hook prerouting priority -100; policy accept;',
    rules: [...pre, 'jump services'],
  });
  chains.set('nat-output', {
    header: 'type nat hook output priority -100; policy accept;',
    rules: [...out, 'jump services'],
  });
  const masqAll = o.masqueradeAll || !o.clusterCIDR;
  chains.set('nat-postrouting', {
    header: 'type nat hook postrouting priority 100; policy accept;',
    rules: [
      `meta mark & ${mark} == ${mark} meta mark set meta mark ^ ${mark} masquerade`,
      ...(masqAll ? [] : [`ct status dnat ip saddr . ip daddr @${HAIRPIN} masquerade`]),
    ],
  });
  chains.set('services', {
    rules: [
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      `${onNode} meta l4proto . th dport vmap @service-nodeports`,
    ],
  });
  const checks = [
    'ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    `ct state new ${onNode} meta l4proto . th dport vmap @no-endpoint-nodeports`,
  ];
  chains.set('filter-input', { header: 'type filter hook input priority -110; policy accept;', rules: checks });
  chains.set('filter-output', { header: 'type filter hook output priority -110; policy accept;', rules: checks });
  chains.set('filter-forward', { header: 'type filter hook forward priority -110; policy accept;', rules: checks });
  chains.set('reject-chain', { rules: ['reject'] });
  return { chains, fixed };
}

interface CacheEntry {
  service: Service;
  slices: EndpointSlice[];
  fragment: Fragment | undefined;
}

/**
 * Builds rulesets for one node, remembering each Service's fragment by the identity of its Service
 * and slice objects (informer caches hand out the same objects until they change), so a sync
 * rebuilds only the Services whose objects changed. Options are fixed for the builder's life.
 */
export class RulesetBuilder {
  private cache = new Map<string, CacheEntry>();
  private readonly base: ReturnType<typeof baseChains>;

  constructor(
    private readonly table: string,
    private readonly opts: RulesetOptions = {},
  ) {
    this.base = baseChains(opts);
  }

  build(inputs: ServiceInput[]): Ruleset {
    const seen = new Map<string, CacheEntry>();
    for (const { service, slices } of inputs) {
      const k = serviceKey(service);
      const old = this.cache.get(k);
      const same =
        old &&
        old.service === service &&
        old.slices.length === slices.length &&
        old.slices.every((s, i) => s === slices[i]);
      seen.set(
        k,
        same
          ? old
          : { service, slices: [...slices], fragment: serviceFragment(service, slices, this.opts, this.base.fixed) },
      );
    }
    this.cache = seen;
    const fragments = new Map<string, Fragment>();
    for (const k of [...seen.keys()].sort()) {
      const f = seen.get(k)?.fragment;
      if (f) fragments.set(k, f);
    }
    const maps = new Map<MapName, Map<string, string>>(MAPS.map((m) => [m, new Map()]));
    const sets = new Map<string, number>();
    const hairpin = new Set<string>();
    for (const f of fragments.values()) {
      for (const [m, key, verdict] of f.elements) {
        const map = maps.get(m) as Map<string, string>;
        if (!map.has(key)) map.set(key, verdict);
      }
      for (const [s, t] of f.sets) sets.set(s, t);
      for (const h of f.hairpin) hairpin.add(h);
    }
    return { table: this.table, base: this.base.chains, fragments, maps, sets, hairpin };
  }
}

/** The desired table for these Services, without a cache (tests, one-off use). Pure and deterministic. */
export function buildRuleset(table: string, inputs: ServiceInput[], opts: RulesetOptions = {}): Ruleset {
  return new RulesetBuilder(table, opts).build(inputs);
}

/** Every chain of a ruleset, base chains first (tests, listings). */
export function allChains(rs: Ruleset): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [n, c] of rs.base) out.set(n, c.rules);
  for (const f of rs.fragments.values()) for (const [n, r] of f.chains) out.set(n, r);
  return out;
}

function setDecl(name: string, timeout: number): string {
  return `set ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${timeout}s; }`;
}

function sameRules(a: string[] | undefined, b: string[]): boolean {
  return !!a && a.length === b.length && a.every((r, i) => r === b[i]);
}

/**
 * The `nft -f` script that turns `prev` (what the kernel holds, as last applied) into `next`, as
 * one transaction. Without prev: the table is replaced whole (add + delete + create). With prev:
 * fragments that are the same object are skipped; of the others only changed chains are flushed
 * and refilled; map and set elements added and deleted; stale chains flushed, then deleted; affinity
 * sets kept. Empty string = nothing to do. Pure.
 */
export function renderScript(next: Ruleset, prev?: Ruleset): string {
  const t = `ip ${next.table}`;
  const out: string[] = [];
  const elements = (op: 'add' | 'delete', name: string, els: string[]) => {
    if (els.length) out.push(`${op} element ${t} ${name} { ${els.join(', ')} }`);
  };
  if (!prev || prev.table !== next.table || prev.base !== next.base) {
    out.push(`add table ${t}`, `delete table ${t}`, `table ${t} {`);
    for (const [name, timeout] of next.sets) out.push(`  ${setDecl(name, timeout)}`);
    for (const name of MAPS) out.push(`  map ${name} { type ${MAP_TYPES[name]}; }`);
    out.push(`  set ${HAIRPIN} { type ipv4_addr . ipv4_addr; }`);
    for (const [name, c] of next.base) if (!c.header) out.push(`  chain ${name} { }`);
    for (const f of next.fragments.values()) for (const name of f.chains.keys()) out.push(`  chain ${name} { }`);
    out.push('}');
    for (const f of next.fragments.values())
      for (const [name, rules] of f.chains) for (const r of rules) out.push(`add rule ${t} ${name} ${r}`);
    for (const [name, c] of next.base) if (!c.header) for (const r of c.rules) out.push(`add rule ${t} ${name} ${r}`);
    for (const name of MAPS)
      elements(
        'add',
        name,
        [...(next.maps.get(name) ?? [])].map(([k, v]) => `${k} : ${v}`),
      );
    elements('add', HAIRPIN, [...next.hairpin]);
    for (const [name, c] of next.base) {
      if (!c.header) continue; // base chains last, once everything they reach exists
      out.push(`add chain ${t} ${name} { ${c.header} }`);
      for (const r of c.rules) out.push(`add rule ${t} ${name} ${r}`);
    }
    return `${out.join('\n')}\n`;
  }

  for (const [name, timeout] of next.sets)
    if (prev.sets.get(name) !== timeout) {
      if (prev.sets.has(name)) out.push(`delete set ${t} ${name}`);
      out.push(`add ${setDecl(name, timeout).replace('set ', `set ${t} `)}`);
    }
  const refill: [string, string[]][] = [];
  const stale: string[] = [];
  for (const [k, f] of next.fragments) {
    const old = prev.fragments.get(k);
    if (old === f) continue;
    for (const [name, rules] of f.chains) {
      const was = old?.chains.get(name);
      if (sameRules(was, rules)) continue;
      out.push(was ? `flush chain ${t} ${name}` : `add chain ${t} ${name}`);
      refill.push([name, rules]);
    }
    for (const name of old?.chains.keys() ?? []) if (!f.chains.has(name)) stale.push(name);
  }
  for (const [k, old] of prev.fragments) if (!next.fragments.has(k)) stale.push(...old.chains.keys());
  // Map elements pointing at chains that change or go away are deleted first; new ones added once chains are filled.
  const adds: [string, string[]][] = [];
  for (const name of MAPS) {
    const a = prev.maps.get(name) ?? new Map<string, string>();
    const b = next.maps.get(name) ?? new Map<string, string>();
    elements(
      'delete',
      name,
      [...a].filter(([k, v]) => b.get(k) !== v).map(([k]) => k),
    );
    adds.push([name, [...b].filter(([k, v]) => a.get(k) !== v).map(([k, v]) => `${k} : ${v}`)]);
  }
  elements(
    'delete',
    HAIRPIN,
    [...prev.hairpin].filter((h) => !next.hairpin.has(h)),
  );
  for (const [name, rules] of refill) for (const r of rules) out.push(`add rule ${t} ${name} ${r}`);
  for (const [name, els] of adds) elements('add', name, els);
  elements(
    'add',
    HAIRPIN,
    [...next.hairpin].filter((h) => !prev.hairpin.has(h)),
  );
  // Stale service chains jump to stale endpoint chains: flush all, then delete.
  for (const n of stale) out.push(`flush chain ${t} ${n}`);
  for (const n of stale) out.push(`delete chain ${t} ${n}`);
  for (const n of prev.sets.keys()) if (!next.sets.has(n)) out.push(`delete set ${t} ${n}`);
  return out.length ? `${out.join('\n')}\n` : '';
}
