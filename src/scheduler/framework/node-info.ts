import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { hasPodAffinity, type HostPort, type PodInfo } from './pod-info.js';
import { addInto, emptyResources, resourcesOf, type Resources } from './resources.js';
import { parseQuantity } from '../../api/validation/quantity.js';

/** Kubernetes' default pods-per-node when status.allocatable.pods is missing. */
const DEFAULT_ALLOWED_PODS = 110;

/**
 * A node and what is placed on it (kube-scheduler's NodeInfo): allocatable resources, the sum of
 * requests of its pods (bound and assumed), used host ports, and the pods with affinity terms.
 * Everything a Filter or Score plugin reads per node is precomputed here, so that evaluating a
 * node is a handful of field reads. Mutated only by the scheduler cache.
 */
export class NodeInfo {
  node: Node | undefined;
  labels: Readonly<Record<string, string>> = {};
  /** NoSchedule and NoExecute taints (the ones Filter looks at). */
  hardTaints: readonly Taint[] = [];
  preferNoScheduleTaints: readonly Taint[] = [];
  unschedulable = false;
  allocatable: Resources = emptyResources();
  allowedPods = DEFAULT_ALLOWED_PODS;
  readonly requested: Resources = emptyResources();
  readonly nonZeroRequested = { milliCpu: 0, memory: 0 };
  readonly pods = new Map<string, PodInfo>();
  /** `protocol/port` -> host IPs in use. */
  readonly usedPorts = new Map<string, string[]>();
  /** Pods with any (anti-)affinity term. */
  readonly podsWithAffinity = new Set<PodInfo>();
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();
  /** Bumped on every change (cache bookkeeping, tests). */
  generation = 0;

  constructor(readonly name: string) {}

  /** Replaces the node object and recomputes its derived fields. */
  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata?.labels ?? {};
    const taints = node.spec?.taints ?? [];
    this.hardTaints = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    this.preferNoScheduleTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
    this.unschedulable = node.spec?.unschedulable === true;
    const alloc = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, string>;
    this.allocatable = resourcesOf(alloc);
    const pods = parseQuantity(alloc.pods);
    this.allowedPods = pods === undefined ? DEFAULT_ALLOWED_PODS : Math.floor(pods);
    this.generation++;
  }

  addPod(p: PodInfo): void {
    this.pods.set(p.key, p);
    this.account(p, 1);
  }

  /** Removes the pod by key; false when it was not here. */
  removePod(key: string): boolean {
    const p = this.pods.get(key);
    if (!p) return false;
    this.pods.delete(key);
    this.account(p, -1);
    return true;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    addInto(this.requested, p.requests, sign);
    this.nonZeroRequested.milliCpu += sign * p.nonZero.milliCpu;
    this.nonZeroRequested.memory += sign * p.nonZero.memory;
    for (const hp of p.hostPorts) this.togglePort(hp, sign);
    if (hasPodAffinity(p)) {
      if (sign > 0) this.podsWithAffinity.add(p);
      else this.podsWithAffinity.delete(p);
    }
    if (p.requiredAntiAffinity.length > 0) {
      if (sign > 0) this.podsWithRequiredAntiAffinity.add(p);
      else this.podsWithRequiredAntiAffinity.delete(p);
    }
    this.generation++;
  }

  private togglePort(hp: HostPort, sign: 1 | -1): void {
    const k = `${hp.protocol}/${hp.port}`;
    const ips = this.usedPorts.get(k) ?? [];
    if (sign > 0) ips.push(hp.ip);
    else {
      const i = ips.indexOf(hp.ip);
      if (i >= 0) ips.splice(i, 1);
    }
    if (ips.length > 0) this.usedPorts.set(k, ips);
    else this.usedPorts.delete(k);
  }
}
