import type { Pod } from 'kubernetes-types/core/v1.js';
import type { IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { selectorMatches } from '../api/validation/label-selector.js';
import { formatIPv4Cidr, parseIPv4Cidr } from '../machinery/net/ipv4.js';
import { containerPort, PROTOCOLS, type PolicyPod } from './policy-pod.js';
import { short } from './set-definitions.js';

export type Direction = 'ingress' | 'egress';

/** One chain of allow rules ending in `drop`. */
export interface PodChain {
  name: string;
  rules: string[];
}

/** The chains of one isolated pod (a direction is absent when no policy isolates the pod in it). */
export type PodChains = Partial<Record<Direction, PodChain>>;

/** Names the sets rules refer to; the caller decides what a reference costs (create the set, count it). */
export interface SetNamer {
  peerSet(policyNs: string, peer: NetworkPolicyPeer): string;
  namedPortSet(portName: string, proto: string): string;
}

/** policyTypes as Kubernetes defaults them: Ingress, plus Egress when egress rules are present. */
export function policyTypes(np: NetworkPolicy): Direction[] {
  const t = np.spec?.policyTypes?.length
    ? np.spec.policyTypes
    : np.spec?.egress?.length
      ? ['Ingress', 'Egress']
      : ['Ingress'];
  return (['ingress', 'egress'] as const).filter((d) => t.some((x) => x.toLowerCase() === d));
}

/** Whether the policy applies to the pod (same namespace, podSelector matches; {} = all). */
export function policySelects(np: NetworkPolicy, pod: Pod): boolean {
  return (
    (np.metadata?.namespace ?? '') === (pod.metadata?.namespace ?? '') &&
    selectorMatches(np.spec?.podSelector ?? {}, pod.metadata?.labels)
  );
}

/**
 * The chains of one pod, given the policies of its namespace in key order. Kubernetes semantics:
 * the pod is isolated in a direction when a policy selects it with that policy type; allowed is
 * the union of the rules of the selecting policies; an empty peer or port list means all; a pod
 * never blocks itself (hairpin through its own Service). Depends on nothing else (other pods
 * enter only through set names), so it is recomputed only when the pod or these policies change.
 */
export function podChains(p: PolicyPod, policiesOfNamespace: NetworkPolicy[], sets: SetNamer): PodChains {
  const out: PodChains = {};
  const { pod, ip } = p;
  const selecting = policiesOfNamespace.filter((np) => policySelects(np, pod));
  for (const dir of ['ingress', 'egress'] as const) {
    const applying = selecting.filter((np) => policyTypes(np).includes(dir));
    if (!applying.length) continue;
    const addr = dir === 'ingress' ? 'saddr' : 'daddr';
    const allow = dir === 'ingress' ? 'accept' : 'return';
    const rules = [`ip ${addr} ${ip} ${allow}`]; // a pod cannot block itself
    for (const np of applying) {
      const ns = np.metadata?.namespace ?? '';
      const policyRules = (dir === 'ingress' ? np.spec?.ingress : np.spec?.egress) ?? [];
      policyRules.forEach((r, i) => {
        const peers =
          (dir === 'ingress' ? (r as { from?: NetworkPolicyPeer[] }).from : (r as { to?: NetworkPolicyPeer[] }).to) ??
          [];
        const peerMatches = peers.length ? peers.map((peer) => peerMatch(peer, addr, ns, sets)) : [''];
        const portMatches = r.ports?.length ? r.ports.flatMap((port) => portMatch(port, dir, pod, sets)) : [''];
        const comment = `comment "${`${ns}/${np.metadata?.name ?? ''} ${dir}[${i}]`.slice(0, 120)}"`;
        for (const pm of peerMatches) {
          if (pm === undefined) continue;
          for (const port of portMatches) rules.push([pm, port, allow, comment].filter(Boolean).join(' '));
        }
      });
    }
    rules.push('drop');
    out[dir] = { name: `${dir === 'ingress' ? 'ing' : 'egr'}-${short(`${p.key}/${ip}`)}`, rules };
  }
  return out;
}

/** The address match of one peer (undefined: matches nothing, e.g. an invalid ipBlock). */
function peerMatch(peer: NetworkPolicyPeer, addr: string, policyNs: string, sets: SetNamer): string | undefined {
  if (peer.ipBlock) return ipBlockMatch(peer.ipBlock, addr);
  if (!peer.podSelector && !peer.namespaceSelector) return undefined;
  return `ip ${addr} @${sets.peerSet(policyNs, peer)}`;
}

function ipBlockMatch(b: IPBlock, addr: string): string | undefined {
  const cidr = normalizeCidr(b.cidr);
  if (!cidr) return undefined;
  const except = (b.except ?? []).map(normalizeCidr).filter((c): c is string => !!c);
  return `ip ${addr} ${cidr}${except.length ? ` ip ${addr} != { ${except.join(', ')} }` : ''}`;
}

/** An IPv4 CIDR with its host bits cleared (nft refuses `10.1.2.3/8`); undefined when not IPv4. */
export function normalizeCidr(c: string | undefined): string | undefined {
  const parsed = parseIPv4Cidr(c ?? '');
  return parsed && formatIPv4Cidr(parsed);
}

/**
 * The port matches of one NetworkPolicyPort ([] when it can match nothing). Ingress named ports
 * resolve against the pod owning the chain; egress named ports against each destination pod,
 * through a set of `ip . port`.
 */
function portMatch(p: NetworkPolicyPort, dir: Direction, pod: Pod, sets: SetNamer): string[] {
  const proto = PROTOCOLS[p.protocol ?? 'TCP'];
  if (!proto) return [];
  if (p.port === undefined || p.port === null) return [`meta l4proto ${proto}`];
  if (typeof p.port === 'number' || /^\d+$/.test(p.port)) {
    const port = Number(p.port);
    return [`${proto} dport ${p.endPort !== undefined && p.endPort > port ? `${port}-${p.endPort}` : port}`];
  }
  if (dir === 'ingress') {
    const port = containerPort(pod, p.port, proto);
    return port === undefined ? [] : [`${proto} dport ${port}`];
  }
  return [`meta l4proto ${proto} ip daddr . ${proto} dport @${sets.namedPortSet(p.port, proto)}`];
}
