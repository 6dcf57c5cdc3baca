import type { Ruleset } from './ruleset.js';

/**
 * `conntrack -D` argument lists that drop UDP flows the new rules no longer serve (UDP has no
 * end, so a client keeps sending to a removed endpoint until its entry times out):
 * - an endpoint left a UDP service port: flows to each of its addresses DNATed to that endpoint;
 * - a UDP service port got its first endpoint: flows to its addresses made while it had none.
 * Pure; the caller runs them after the rules are in the kernel.
 */
export function staleUdpFlows(prev: Ruleset | undefined, next: Ruleset): string[][] {
  if (!prev) return [];
  const out: string[][] = [];
  const destArgs = (d: string): string[] => {
    const [ip, port] = d.split(':');
    return ip ? ['--orig-dst', ip, '--dport', port as string] : ['--dport', port as string];
  };
  for (const [k, f] of next.fragments) {
    const old = prev.fragments.get(k);
    if (old === f || !old) continue;
    for (const [id, target] of f.udp) {
      const was = old.udp.get(id);
      if (!was) continue;
      const now = new Set(target.endpoints);
      for (const ep of was.endpoints) {
        if (now.has(ep)) continue;
        for (const d of was.dests) out.push(['-D', '-p', 'udp', ...destArgs(d), '--dst-nat', ep]);
      }
      if (!was.endpoints.length && target.endpoints.length)
        for (const d of target.dests) if (!d.startsWith(':')) out.push(['-D', '-p', 'udp', ...destArgs(d)]);
    }
  }
  for (const [k, old] of prev.fragments) {
    if (next.fragments.has(k)) continue;
    for (const target of old.udp.values())
      for (const ep of target.endpoints)
        for (const d of target.dests) out.push(['-D', '-p', 'udp', ...destArgs(d), '--dst-nat', ep]);
  }
  return out;
}
