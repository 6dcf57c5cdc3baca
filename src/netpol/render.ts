import type { PolicyTable } from './compile.js';

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
  for (const [name, ips] of t.peerSets) out.push(`  set ${name} { type ipv4_addr;${elements(ips)} }`);
  for (const [name, els] of t.portSets) out.push(`  set ${name} { type ipv4_addr . inet_service;${elements(els)} }`);
  for (const [name, rules] of t.chains) {
    out.push(`  chain ${name} {`);
    for (const r of rules) out.push(`    ${r}`);
    out.push('  }');
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const els = [...t[dir]].map(([ip, chain]) => `${ip} : jump ${chain}`);
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
  return out.join('\n') + '\n';
}
