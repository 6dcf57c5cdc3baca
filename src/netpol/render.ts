import type { PolicyTable } from './compile.js';
import { compareIPv4 } from '../machinery/net/ipv4.js';
import { compareKeys } from './policy-pod.js';

/** Map entries in name order: the text depends only on the table's content, not on the order it was built in. */
function sorted<V>(m: Map<string, V>, compare: (a: string, b: string) => number = compareKeys): [string, V][] {
  return [...m].sort(([a], [b]) => compare(a, b));
}

/**
 * The `nft -f` script that replaces the table whole with `t`, as one transaction (add + delete +
 * create, so it works whether or not the table exists). Pure.
 *
 *   forward (filter, priority 0): ct state established,related accept
 *     ip saddr vmap @egress-pods   --> egr-<pod>: allowed -> return, else drop
 *     ip daddr vmap @ingress-pods  --> ing-<pod>: allowed -> accept, else drop
 *
 * Only the forward hook is used: pod <-> pod (bridged, through br_netfilter) and pod <-> Service
 * (routed after the proxy's DNAT, before its masquerade) both pass it with the real pod addresses;
 * node <-> local pod traffic (input/output) is always allowed, as in Kubernetes.
 */
export function renderTable(table: string, t: PolicyTable): string {
  const out = [`add table ip ${table}`, `delete table ip ${table}`, `table ip ${table} {`];
  const elements = (els: string[]) => (els.length ? ` elements = { ${els.join(', ')} };` : '');
  for (const [name, ips] of sorted(t.peerSets)) out.push(`  set ${name} { type ipv4_addr;${elements(ips)} }`);
  for (const [name, els] of sorted(t.portSets))
    out.push(`  set ${name} { type ipv4_addr . inet_service;${elements(els)} }`);
  for (const [name, rules] of sorted(t.chains)) {
    out.push(`  chain ${name} {`);
    for (const r of rules) out.push(`    ${r}`);
    out.push('  }');
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const els = sorted(t[dir], compareIPv4).map(([ip, chain]) => `${ip} : jump ${chain}`);
    out.push(`  map ${dir}-pods { type ipv4_addr : verdict;${elements(els)} }`);
  }
  out.push(
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    ct state established,related accept',
    '    ip saddr vmap @egress-pods',
    '    ip daddr vmap @ingress-pods',
    '  }',
    '}',
  );
  return `${out.join('\n')}\n`;
}

function diffElements(prev: string[], next: string[]): { add: string[]; del: string[] } {
  const p = new Set(prev);
  const n = new Set(next);
  return { add: next.filter((e) => !p.has(e)), del: prev.filter((e) => !n.has(e)) };
}

/**
 * The `nft -f` script that turns `prev` (what the kernel holds, as last applied) into `next`, as
 * one transaction; without prev, the whole table (renderTable). Only differences are sent: set
 * and map elements added/deleted, changed chains flushed and refilled, stale chains and sets
 * deleted once nothing refers to them. Empty string = nothing to do. Pure.
 */
export function renderUpdate(table: string, next: PolicyTable, prev?: PolicyTable): string {
  if (!prev) return renderTable(table, next);
  const t = `ip ${table}`;
  const out: string[] = [];
  const late: string[] = []; // deletions of element lists, chains and sets: after nothing refers to them
  const setTypes: [Map<string, string[]>, Map<string, string[]>, string][] = [
    [next.peerSets, prev.peerSets, 'ipv4_addr'],
    [next.portSets, prev.portSets, 'ipv4_addr . inet_service'],
  ];
  for (const [nextSets, prevSets, type] of setTypes) {
    for (const [name, els] of nextSets) {
      const old = prevSets.get(name);
      if (old === els) continue; // the incremental compiler hands out the same array when unchanged
      if (!old) out.push(`add set ${t} ${name} { type ${type}; }`);
      const d = diffElements(old ?? [], els);
      if (d.add.length) out.push(`add element ${t} ${name} { ${d.add.join(', ')} }`);
      if (d.del.length) out.push(`delete element ${t} ${name} { ${d.del.join(', ')} }`);
    }
  }
  for (const [name, rules] of next.chains) {
    const old = prev.chains.get(name);
    if (old === rules || (old && old.length === rules.length && old.every((r, i) => r === rules[i]))) continue;
    out.push(old ? `flush chain ${t} ${name}` : `add chain ${t} ${name}`);
    for (const r of rules) out.push(`add rule ${t} ${name} ${r}`);
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const map = `${dir}-pods`;
    const del: string[] = [];
    const add: string[] = [];
    for (const [ip, chain] of prev[dir]) if (next[dir].get(ip) !== chain) del.push(ip);
    for (const [ip, chain] of next[dir]) if (prev[dir].get(ip) !== chain) add.push(`${ip} : jump ${chain}`);
    if (del.length) out.push(`delete element ${t} ${map} { ${del.join(', ')} }`);
    if (add.length) out.push(`add element ${t} ${map} { ${add.join(', ')} }`);
  }
  for (const name of prev.chains.keys()) if (!next.chains.has(name)) late.push(`delete chain ${t} ${name}`);
  for (const [nextSets, prevSets] of setTypes)
    for (const name of prevSets.keys()) if (!nextSets.has(name)) late.push(`delete set ${t} ${name}`);
  const all = [...out, ...late];
  return all.length ? `${all.join('\n')}\n` : '';
}
