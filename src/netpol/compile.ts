import { createHash } from 'node:crypto';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { selectorMatches } from '../api/validation/label-selector.js';

/**
 * The compiled enforcement state of one node, as data (rendered to nft text by render.ts):
 * per isolated local pod one chain of allow rules ending in `drop`, reached through a verdict map
 * keyed by the pod's IP; named sets of peer pod IPs; named sets of `ip . port` for named ports.
 */
export interface PolicyTable {
  /** Set name -> sorted pod IPs (podSelector / namespaceSelector peers). */
  peerSets: Map<string, string[]>;
  /** Set name -> sorted `ip . port` elements (egress to a named port, resolved per destination pod). */
  portSets: Map<string, string[]>;
  /** Chain name -> rules, in order (the last is `drop`). */
  chains: Map<string, string[]>;
  /** Pod IP -> chain name, for pods isolated for ingress / egress. */
  ingress: Map<string, string>;
  egress: Map<string, string>;
}

export interface CompileInput {
  policies: NetworkPolicy[];
  /** Every pod of the cluster (peers may run on other nodes). */
  pods: Pod[];
  namespaces: Namespace[];
  /** Only pods bound to this node get chains (undefined: every pod). */
  nodeName?: string;
}

type Direction = 'ingress' | 'egress';

function short(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

function keyOf(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

function byKey<T extends { metadata?: { namespace?: string; name?: string } }>(a: T, b: T): number {
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function isIPv4(ip: string | undefined): ip is string {
  return !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

/** The pod's IPv4 address when policies can apply to it: has an IP, not host network, not finished. */
export function policyPodIP(pod: Pod): string | undefined {
  if (pod.spec?.hostNetwork) return undefined;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find(isIPv4);
}

/** policyTypes as Kubernetes defaults them: Ingress, plus Egress when egress rules are present. */
export function policyTypes(np: NetworkPolicy): Direction[] {
  const t = np.spec?.policyTypes?.length ? np.spec.policyTypes : np.spec?.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
  return (['ingress', 'egress'] as const).filter((d) => t.some((x) => x.toLowerCase() === d));
}

/** Whether the policy applies to the pod (same namespace, podSelector matches; {} = all). */
export function policySelects(np: NetworkPolicy, pod: Pod): boolean {
  return (np.metadata?.namespace ?? '') === (pod.metadata?.namespace ?? '') && selectorMatches(np.spec?.podSelector ?? {}, pod.metadata?.labels);
}

const PROTOCOLS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/**
 * Compiles NetworkPolicies into the node's table. Kubernetes semantics: a pod is isolated in a
 * direction when a policy of its namespace selects it with that policy type; the allowed traffic is
 * the union of the rules of all selecting policies; an empty peer list or port list means all.
 * A pod never blocks itself (hairpin through its own Service). Pure and deterministic.
 */
export function compilePolicies(input: CompileInput): PolicyTable {
  const out: PolicyTable = { peerSets: new Map(), portSets: new Map(), chains: new Map(), ingress: new Map(), egress: new Map() };
  const nsLabels = new Map<string, Record<string, string>>();
  for (const ns of input.namespaces) {
    const name = ns.metadata?.name ?? '';
    // Every namespace carries kubernetes.io/metadata.name (set by the API server; added here for older objects).
    nsLabels.set(name, { ...(ns.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name });
  }
  // Pods with a usable IP, one per IP (a finished pod's IP may be reused; the first by name wins).
  const pods: { pod: Pod; ip: string }[] = [];
  const podsByNs = new Map<string, { pod: Pod; ip: string }[]>();
  const seenIPs = new Set<string>();
  for (const pod of [...input.pods].sort(byKey)) {
    const ip = policyPodIP(pod);
    if (!ip || seenIPs.has(ip)) continue;
    seenIPs.add(ip);
    pods.push({ pod, ip });
    const ns = pod.metadata?.namespace ?? '';
    const list = podsByNs.get(ns);
    if (list) list.push({ pod, ip }); else podsByNs.set(ns, [{ pod, ip }]);
  }
  const policiesByNs = new Map<string, NetworkPolicy[]>();
  for (const np of [...input.policies].sort(byKey)) {
    const ns = np.metadata?.namespace ?? '';
    const list = policiesByNs.get(ns);
    if (list) list.push(np); else policiesByNs.set(ns, [np]);
  }

  const peerSet = (policyNs: string, peer: NetworkPolicyPeer): string => {
    const def = JSON.stringify({ ns: peer.namespaceSelector ? undefined : policyNs, nsSel: peer.namespaceSelector, podSel: peer.podSelector });
    const name = `peers-${short(def)}`;
    if (!out.peerSets.has(name)) {
      const nsSel = peer.namespaceSelector;
      const inNamespaces = nsSel
        ? [...podsByNs].filter(([ns]) => selectorMatches(nsSel, nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns })).flatMap(([, list]) => list)
        : podsByNs.get(policyNs) ?? [];
      const ips = inNamespaces.filter(({ pod }) => !peer.podSelector || selectorMatches(peer.podSelector, pod.metadata?.labels)).map((p) => p.ip);
      out.peerSets.set(name, sortIPs(ips));
    }
    return name;
  };

  const namedPortSet = (name: string, protocol: string): string => {
    const setName = `port-${protocol}-${short(`${protocol}/${name}`)}`;
    if (!out.portSets.has(setName)) {
      const els: string[] = [];
      for (const { pod, ip } of pods) {
        const port = containerPort(pod, name, protocol);
        if (port !== undefined) els.push(`${ip} . ${port}`);
      }
      out.portSets.set(setName, els.sort());
    }
    return setName;
  };

  for (const { pod, ip } of pods) {
    if (input.nodeName !== undefined && pod.spec?.nodeName !== input.nodeName) continue;
    const selecting = (policiesByNs.get(pod.metadata?.namespace ?? '') ?? []).filter((np) => policySelects(np, pod));
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
          const peers = (dir === 'ingress' ? (r as { from?: NetworkPolicyPeer[] }).from : (r as { to?: NetworkPolicyPeer[] }).to) ?? [];
          const peerMatches = peers.length ? peers.map((p) => peerMatch(p, addr, ns, peerSet)) : [''];
          const portMatches = r.ports?.length ? r.ports.flatMap((p) => portMatch(p, dir, pod, namedPortSet)) : [''];
          const comment = `comment "${`${ns}/${np.metadata?.name ?? ''} ${dir}[${i}]`.slice(0, 120)}"`;
          for (const pm of peerMatches) {
            if (pm === undefined) continue;
            for (const port of portMatches) rules.push([pm, port, allow, comment].filter(Boolean).join(' '));
          }
        });
      }
      rules.push('drop');
      const chain = `${dir === 'ingress' ? 'ing' : 'egr'}-${short(`${keyOf(pod)}/${ip}`)}`;
      out.chains.set(chain, rules);
      out[dir].set(ip, chain);
    }
  }
  return out;
}

/** The address match of one peer (undefined: matches nothing, e.g. an invalid ipBlock). */
function peerMatch(peer: NetworkPolicyPeer, addr: string, policyNs: string, peerSet: (ns: string, p: NetworkPolicyPeer) => string): string | undefined {
  if (peer.ipBlock) return ipBlockMatch(peer.ipBlock, addr);
  if (!peer.podSelector && !peer.namespaceSelector) return undefined;
  return `ip ${addr} @${peerSet(policyNs, peer)}`;
}

function ipBlockMatch(b: IPBlock, addr: string): string | undefined {
  const cidr = normalizeCidr(b.cidr);
  if (!cidr) return undefined;
  const except = (b.except ?? []).map(normalizeCidr).filter((c): c is string => !!c);
  return `ip ${addr} ${cidr}` + (except.length ? ` ip ${addr} != { ${except.join(', ')} }` : '');
}

/** An IPv4 CIDR with its host bits cleared (nft refuses `10.1.2.3/8`); undefined when not IPv4. */
export function normalizeCidr(c: string | undefined): string | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(c ?? '');
  if (!m || Number(m[2]) > 32) return undefined;
  const octets = (m[1] ?? '').split('.').map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const bits = Number(m[2]);
  const n = octets.reduce((a, o) => a * 256 + o, 0);
  const net = bits === 0 ? 0 : n - (n % 2 ** (32 - bits));
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${bits}`;
}

/**
 * The port matches of one NetworkPolicyPort ([] when it can match nothing). Ingress named ports
 * resolve against the pod owning the chain; egress named ports against each destination pod,
 * through a set of `ip . port`.
 */
function portMatch(p: NetworkPolicyPort, dir: Direction, pod: Pod, namedPortSet: (name: string, proto: string) => string): string[] {
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
  return [`meta l4proto ${proto} ip daddr . ${proto} dport @${namedPortSet(p.port, proto)}`];
}

/** The number of the pod's container port with this name and protocol (lower-case nft name). */
function containerPort(pod: Pod, name: string, proto: string): number | undefined {
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const cp of c.ports ?? []) {
      if (cp.name === name && (PROTOCOLS[cp.protocol ?? 'TCP'] ?? '') === proto) return cp.containerPort;
    }
  }
  return undefined;
}

function sortIPs(ips: string[]): string[] {
  const n = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  return [...new Set(ips)].sort((a, b) => n(a) - n(b));
}

