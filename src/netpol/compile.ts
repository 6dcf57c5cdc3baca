import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { podChains, type SetNamer } from './pod-chains.js';
import { compareKeys, objectKeyOf, policyPodIP, sortIPs, type PolicyPod } from './policy-pod.js';
import {
  namespaceLabels,
  peerSetDef,
  peerSetHasPod,
  peerSetTakesNamespace,
  portSetDef,
  portSetElement,
} from './set-definitions.js';

export { policySelects, policyTypes, normalizeCidr } from './pod-chains.js';
export { policyPodIP } from './policy-pod.js';

/**
 * The compiled enforcement state of one node, as data (rendered to nft text by render.ts):
 * per isolated local pod one chain of allow rules ending in `drop`, reached through a verdict map
 * keyed by the pod's IP; named sets of peer pod IPs; named sets of `ip . port` for named ports.
 * Arrays are never mutated once in a table (the incremental compiler replaces them), so an
 * unchanged set or chain is the same array in two successive tables.
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

/** Whether pods on `node` get chains on a node named `nodeName` (undefined: every node's pods). */
export function isLocal(pod: Pod, nodeName: string | undefined): boolean {
  return nodeName === undefined || pod.spec?.nodeName === nodeName;
}

/**
 * Compiles NetworkPolicies into the node's table from scratch (the reference the incremental
 * compiler is tested against). Pods with a usable IP count once per IP (a finished pod's IP may be
 * reused: the first by `namespace/name` wins). Sets exist while a chain refers to them. Pure and
 * deterministic.
 */
export function compilePolicies(input: CompileInput): PolicyTable {
  const out: PolicyTable = {
    peerSets: new Map(),
    portSets: new Map(),
    chains: new Map(),
    ingress: new Map(),
    egress: new Map(),
  };
  const nsObjects = new Map(input.namespaces.map((ns) => [ns.metadata?.name ?? '', ns]));
  const labelsOf = (ns: string) => namespaceLabels(ns, nsObjects.get(ns));
  const pods: PolicyPod[] = [];
  const podsByNs = new Map<string, PolicyPod[]>();
  const seenIPs = new Set<string>();
  for (const pod of [...input.pods].sort((a, b) => compareKeys(objectKeyOf(a), objectKeyOf(b)))) {
    const ip = policyPodIP(pod);
    if (!ip || seenIPs.has(ip)) continue;
    seenIPs.add(ip);
    const p: PolicyPod = { key: objectKeyOf(pod), namespace: pod.metadata?.namespace ?? '', pod, ip };
    pods.push(p);
    const list = podsByNs.get(p.namespace);
    if (list) list.push(p);
    else podsByNs.set(p.namespace, [p]);
  }
  const policiesByNs = new Map<string, NetworkPolicy[]>();
  for (const np of [...input.policies].sort((a, b) => compareKeys(objectKeyOf(a), objectKeyOf(b)))) {
    const ns = np.metadata?.namespace ?? '';
    const list = policiesByNs.get(ns);
    if (list) list.push(np);
    else policiesByNs.set(ns, [np]);
  }
  const sets: SetNamer = {
    peerSet(policyNs, peer) {
      const def = peerSetDef(policyNs, peer);
      if (!out.peerSets.has(def.name)) {
        const candidates = [...podsByNs]
          .filter(([ns]) => peerSetTakesNamespace(def, ns, labelsOf(ns)))
          .flatMap(([, list]) => list);
        out.peerSets.set(def.name, sortIPs(candidates.filter((p) => peerSetHasPod(def, p, labelsOf)).map((p) => p.ip)));
      }
      return def.name;
    },
    namedPortSet(portName, proto) {
      const def = portSetDef(portName, proto);
      if (!out.portSets.has(def.name))
        out.portSets.set(
          def.name,
          pods
            .map((p) => portSetElement(def, p))
            .filter((e): e is string => !!e)
            .sort(),
        );
      return def.name;
    },
  };
  for (const p of pods) {
    if (!isLocal(p.pod, input.nodeName)) continue;
    const chains = podChains(p, policiesByNs.get(p.namespace) ?? [], sets);
    for (const dir of ['ingress', 'egress'] as const) {
      const chain = chains[dir];
      if (!chain) continue;
      out.chains.set(chain.name, chain.rules);
      out[dir].set(p.ip, chain.name);
    }
  }
  return out;
}
