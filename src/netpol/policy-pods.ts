import type { Pod } from 'kubernetes-types/core/v1.js';
import { compareKeys, policyPodIP, type PolicyPod } from './policy-pod.js';

/** How one pod's standing for policies changed (before/after undefined: it was / is not a policy pod). */
export interface PolicyPodChange {
  key: string;
  before?: PolicyPod;
  after?: PolicyPod;
}

/**
 * The cluster's pods as policies see them, kept up to date one pod at a time: only pods with a
 * usable IPv4 address count, and one pod per IP (a finished pod's IP may be reused: the first by
 * `namespace/name` wins, as in compilePolicies), indexed by namespace.
 */
export class PolicyPods {
  private readonly all = new Map<string, Pod>();
  /** IP -> keys of the pods claiming it, in key order (the first owns the IP). */
  private readonly claims = new Map<string, string[]>();
  private readonly current = new Map<string, PolicyPod>();
  private readonly namespaces = new Map<string, Map<string, PolicyPod>>();

  /** The policy pod with this key, if it is one. */
  get(key: string): PolicyPod | undefined {
    return this.current.get(key);
  }

  /** Policy pods of a namespace (none: empty). */
  inNamespace(ns: string): Iterable<PolicyPod> {
    return this.namespaces.get(ns)?.values() ?? [];
  }

  /** Namespaces that hold policy pods. */
  namespaceNames(): Iterable<string> {
    return this.namespaces.keys();
  }

  values(): Iterable<PolicyPod> {
    return this.current.values();
  }

  /**
   * Records the pod's new state (undefined: deleted) and returns every policy pod that changed:
   * the pod itself, and a pod that gained or lost an IP it shares with it.
   */
  set(key: string, pod: Pod | undefined): PolicyPodChange[] {
    const oldIP = this.ipOf(this.all.get(key));
    const newIP = this.ipOf(pod);
    // The pod, and the owners of both addresses before and after (an IP can change hands).
    const touched = new Set([key]);
    const owners = () => {
      for (const ip of [oldIP, newIP]) {
        const owner = ip === undefined ? undefined : this.claims.get(ip)?.[0];
        if (owner !== undefined) touched.add(owner);
      }
    };
    owners();
    if (pod) this.all.set(key, pod);
    else this.all.delete(key);
    if (oldIP !== undefined) this.unclaim(oldIP, key);
    if (newIP !== undefined) this.claim(newIP, key);
    owners();
    const changes: PolicyPodChange[] = [];
    for (const k of touched) {
      const before = this.current.get(k);
      const after = this.policyPod(k);
      if (before === undefined && after === undefined) continue;
      if (before && after && before.pod === after.pod && before.ip === after.ip) continue;
      if (before) this.remove(before);
      if (after) this.add(after);
      changes.push({ key: k, before, after });
    }
    return changes;
  }

  private ipOf(pod: Pod | undefined): string | undefined {
    return pod ? policyPodIP(pod) : undefined;
  }

  /** The pod as a policy pod when it owns its IP. */
  private policyPod(key: string): PolicyPod | undefined {
    const pod = this.all.get(key);
    const ip = this.ipOf(pod);
    if (!pod || ip === undefined || this.claims.get(ip)?.[0] !== key) return undefined;
    const old = this.current.get(key);
    if (old && old.pod === pod && old.ip === ip) return old;
    return { key, namespace: pod.metadata?.namespace ?? '', pod, ip };
  }

  private claim(ip: string, key: string): void {
    const list = this.claims.get(ip) ?? [];
    if (!list.includes(key)) this.claims.set(ip, [...list, key].sort(compareKeys));
  }

  private unclaim(ip: string, key: string): void {
    const list = (this.claims.get(ip) ?? []).filter((k) => k !== key);
    if (list.length) this.claims.set(ip, list);
    else this.claims.delete(ip);
  }

  private add(p: PolicyPod): void {
    this.current.set(p.key, p);
    const ns = this.namespaces.get(p.namespace) ?? new Map<string, PolicyPod>();
    this.namespaces.set(p.namespace, ns);
    ns.set(p.key, p);
  }

  private remove(p: PolicyPod): void {
    this.current.delete(p.key);
    const ns = this.namespaces.get(p.namespace);
    ns?.delete(p.key);
    if (ns && ns.size === 0) this.namespaces.delete(p.namespace);
  }
}
