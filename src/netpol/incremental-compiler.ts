import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { selectorMatches } from '../api/validation/label-selector.js';
import { isLocal, type PolicyTable } from './compile.js';
import { LiveSets } from './live-sets.js';
import { podChains, policySelects, type PodChains } from './pod-chains.js';
import { compareIPv4 } from '../machinery/net/ipv4.js';
import { compareKeys, objectKeyOf, type PolicyPod } from './policy-pod.js';
import { PolicyPods } from './policy-pods.js';
import {
  namespaceLabels,
  peerSetDef,
  peerSetHasPod,
  portSetDef,
  portSetElement,
  type PeerSetDef,
  type PortSetDef,
} from './set-definitions.js';

/** What one local pod contributes: its chains and the sets they refer to (one reference each). */
interface PodEntry {
  ip: string;
  chains: PodChains;
  peerSets: string[];
  portSets: string[];
}

/**
 * compilePolicies kept up to date one object at a time: a change recomputes only what it affects.
 *
 *   pod changed       -> its membership in the live sets (PolicyPods says which policy pods changed,
 *                        an IP can change hands) + its own chains when it runs here
 *   policy changed    -> chains of the local pods of its namespace it selected or selects now
 *   namespace changed -> refill of the namespaceSelector sets whose match flipped
 *
 * Sets are reference-counted by the chains that name them, so they appear and go exactly as in a
 * full compile. table() == compilePolicies(same objects) as rendered text (tested on random
 * change sequences). Not safe for concurrent use; objects handed in must not be mutated later.
 */
export class IncrementalCompiler {
  private readonly pods = new PolicyPods();
  private readonly policies = new Map<string, NetworkPolicy[]>();
  private readonly namespaces = new Map<string, Record<string, string>>();
  private readonly labelsOf = (ns: string) => this.namespaces.get(ns) ?? namespaceLabels(ns);
  private readonly peerSets = new LiveSets<PeerSetDef>(
    {
      element: (def, p) => (peerSetHasPod(def, p, this.labelsOf) ? p.ip : undefined),
      compare: compareIPv4,
      scope: (def) => (def.namespaceSelector ? undefined : def.namespace),
    },
    this.pods,
  );
  private readonly portSets = new LiveSets<PortSetDef>(
    { element: portSetElement, compare: compareKeys, scope: () => undefined },
    this.pods,
  );
  private readonly entries = new Map<string, PodEntry>();
  private readonly chains = new Map<string, string[]>();
  private readonly ingress = new Map<string, string>();
  private readonly egress = new Map<string, string>();

  /** @param nodeName only pods bound to this node get chains (undefined: every pod). */
  constructor(private readonly nodeName?: string) {}

  /** Records a pod's new state (undefined: deleted). `key` is its `namespace/name`. */
  setPod(key: string, pod: Pod | undefined): void {
    const changes = this.pods.set(key, pod);
    // All set memberships first: a set created by a chain below is filled from the new state.
    this.peerSets.podsChanged(changes);
    this.portSets.podsChanged(changes);
    for (const c of changes) this.recompute(c.key, c.after);
  }

  /** Records a NetworkPolicy's new state (undefined: deleted). `key` is its `namespace/name`. */
  setPolicy(key: string, np: NetworkPolicy | undefined): void {
    const ns = key.slice(0, key.indexOf('/'));
    const list = this.policies.get(ns) ?? [];
    const old = list.find((p) => objectKeyOf(p) === key);
    const next = list.filter((p) => p !== old);
    if (np) next.push(np);
    next.sort((a, b) => compareKeys(objectKeyOf(a), objectKeyOf(b)));
    if (next.length) this.policies.set(ns, next);
    else this.policies.delete(ns);
    for (const p of [...this.pods.inNamespace(ns)]) {
      if (!isLocal(p.pod, this.nodeName)) continue;
      if ((old && policySelects(old, p.pod)) || (np && policySelects(np, p.pod))) this.recompute(p.key, p);
    }
  }

  /** Records a Namespace's new state (undefined: deleted). */
  setNamespace(name: string, ns: Namespace | undefined): void {
    const before = this.labelsOf(name);
    if (ns) this.namespaces.set(name, namespaceLabels(name, ns));
    else this.namespaces.delete(name);
    const after = this.labelsOf(name);
    this.peerSets.rebuild(
      (def) =>
        !!def.namespaceSelector &&
        selectorMatches(def.namespaceSelector, before) !== selectorMatches(def.namespaceSelector, after),
    );
  }

  /** The table now, as new maps over shared arrays (later changes do not alter it). */
  table(): PolicyTable {
    return {
      peerSets: new Map(this.peerSets.contents),
      portSets: new Map(this.portSets.contents),
      chains: new Map(this.chains),
      ingress: new Map(this.ingress),
      egress: new Map(this.egress),
    };
  }

  /** Rebuilds one pod's chains (undefined: it has none any more) and moves its set references. */
  private recompute(key: string, p: PolicyPod | undefined): void {
    const old = this.entries.get(key);
    let entry: PodEntry | undefined;
    if (p && isLocal(p.pod, this.nodeName)) {
      const peer = new Map<string, PeerSetDef>();
      const port = new Map<string, PortSetDef>();
      const chains = podChains(p, this.policies.get(p.namespace) ?? [], {
        peerSet: (ns, q) => {
          const d = peerSetDef(ns, q);
          peer.set(d.name, d);
          return d.name;
        },
        namedPortSet: (name, proto) => {
          const d = portSetDef(name, proto);
          port.set(d.name, d);
          return d.name;
        },
      });
      // New references before old ones go, so a set kept by this pod is not emptied and refilled.
      for (const d of peer.values()) this.peerSets.acquire(d);
      for (const d of port.values()) this.portSets.acquire(d);
      if (chains.ingress || chains.egress)
        entry = { ip: p.ip, chains, peerSets: [...peer.keys()], portSets: [...port.keys()] };
      else {
        for (const name of peer.keys()) this.peerSets.release(name);
        for (const name of port.keys()) this.portSets.release(name);
      }
    }
    if (old) {
      for (const name of old.peerSets) this.peerSets.release(name);
      for (const name of old.portSets) this.portSets.release(name);
      for (const dir of ['ingress', 'egress'] as const) {
        const chain = old.chains[dir];
        if (!chain) continue;
        this.chains.delete(chain.name);
        if (this[dir].get(old.ip) === chain.name) this[dir].delete(old.ip); // the IP may have a new owner already
      }
    }
    if (entry) {
      for (const dir of ['ingress', 'egress'] as const) {
        const chain = entry.chains[dir];
        if (!chain) continue;
        // Same rules as before: keep the old array, so the renderer sees an unchanged chain at a glance.
        const prev = old?.chains[dir];
        const rules = prev && prev.name === chain.name && sameRules(prev.rules, chain.rules) ? prev.rules : chain.rules;
        chain.rules = rules;
        this.chains.set(chain.name, rules);
        this[dir].set(entry.ip, chain.name);
      }
      this.entries.set(key, entry);
    } else {
      this.entries.delete(key);
    }
  }
}

function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
