import type { Pod } from 'kubernetes-types/core/v1.js';
import { isDaemonPodAvailable, isPodUpdated } from './daemon-pod.js';
import type { Eligibility } from './node-eligibility.js';

export interface NodeState extends Eligibility {
  name: string;
  /** The DaemonSet's pods for this node (terminating ones included). */
  pods: Pod[];
}

export interface DaemonPlanInput {
  /** Every node, sorted by name. */
  nodes: NodeState[];
  /** Pods for nodes that no longer exist. */
  podsOnMissingNodes: Pod[];
  hash: string;
  generation: string;
  /** RollingUpdate limits resolved against desiredNumberScheduled; undefined for OnDelete. */
  rolling?: { maxSurge: number; maxUnavailable: number };
  minReadySeconds: number;
  nowMs: number;
}

export interface DaemonPlan {
  /** Nodes that get a new pod from the current template. */
  createOn: string[];
  /** Pods to delete. */
  remove: Pod[];
}

const live = (p: Pod) => !p.metadata?.deletionTimestamp;
const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
const oldestFirst = (a: Pod, b: Pod) =>
  created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

/**
 * One sync of the DaemonSet controller (manage + rollingUpdate):
 *  - manage (podsShouldBeOnNode): a node that should run the daemon and has no pod gets one; failed
 *    pods are deleted (replaced next sync); extra pods beyond one (beyond one old and one new while
 *    surging) are deleted, oldest kept; pods on nodes that may not keep them, or that are gone, are
 *    deleted;
 *  - RollingUpdate without surge: old pods that are unavailable go at once, available ones while
 *    fewer than maxUnavailable nodes are unavailable (manage recreates them next sync);
 *  - RollingUpdate with surge: a new pod beside each old one, up to maxSurge nodes at a time (at
 *    once where the old pod is unavailable); the old pod goes when the new one is available.
 * Nodes touched by manage are left to the next sync by the update. Pure.
 */
export function planDaemonSet(input: DaemonPlanInput): DaemonPlan {
  const plan: DaemonPlan = { createOn: [], remove: [...input.podsOnMissingNodes.filter(live)] };
  const touched = new Set<string>();
  const surging = (input.rolling?.maxSurge ?? 0) > 0;
  const updated = (p: Pod) => isPodUpdated(p, input.hash, input.generation);
  const available = (p: Pod) => isDaemonPodAvailable(p, input.minReadySeconds, input.nowMs);

  for (const node of input.nodes) {
    const pods = node.pods.filter(live);
    if (node.shouldRun) {
      if (pods.length === 0) {
        if (node.pods.length === 0) plan.createOn.push(node.name);
        touched.add(node.name);
        continue;
      }
      const running: Pod[] = [];
      for (const p of pods) {
        if (p.status?.phase === 'Failed') {
          plan.remove.push(p);
          touched.add(node.name);
        } else running.push(p);
      }
      const keep = new Set<Pod>();
      const sorted = [...running].sort(oldestFirst);
      if (surging) {
        const oldest = sorted.find((p) => !updated(p));
        const newest = sorted.find(updated);
        if (oldest) keep.add(oldest);
        if (newest) keep.add(newest);
      } else if (sorted[0]) {
        keep.add(sorted[0]);
      }
      for (const p of sorted)
        if (!keep.has(p)) {
          plan.remove.push(p);
          touched.add(node.name);
        }
    } else if (!node.shouldContinueRunning && pods.length > 0) {
      plan.remove.push(...pods);
      touched.add(node.name);
    }
  }
  if (!input.rolling) return plan;

  const candidates = input.nodes
    .filter((n) => n.shouldRun && !touched.has(n.name))
    .map((n) => {
      const pods = n.pods.filter(live);
      const news = pods.filter(updated);
      const olds = pods.filter((p) => !updated(p));
      return { name: n.name, newPod: news[0], oldPod: olds[0], ok: news.length <= 1 && olds.length <= 1 };
    })
    .filter((c) => c.ok);

  if (!surging) {
    let unavailable = input.nodes.filter((n) => n.shouldRun && touched.has(n.name)).length;
    const oldAvailable: Pod[] = [];
    for (const c of candidates) {
      if ((c.newPod && c.oldPod) || (!c.newPod && !c.oldPod)) unavailable++;
      else if (c.newPod) {
        if (!available(c.newPod)) unavailable++;
      } else if (c.oldPod && !available(c.oldPod)) plan.remove.push(c.oldPod);
      else if (c.oldPod) oldAvailable.push(c.oldPod);
    }
    for (const p of oldAvailable) {
      if (unavailable >= input.rolling.maxUnavailable) break;
      unavailable++;
      plan.remove.push(p);
    }
    return plan;
  }

  let surge = candidates.filter((c) => c.newPod && c.oldPod).length;
  const extra: string[] = [];
  for (const c of candidates) {
    if (!c.oldPod) continue;
    if (!available(c.oldPod)) {
      if (!c.newPod) plan.createOn.push(c.name);
      else if (available(c.newPod)) plan.remove.push(c.oldPod);
      continue;
    }
    if (c.newPod) {
      if (available(c.newPod)) plan.remove.push(c.oldPod);
      continue;
    }
    extra.push(c.name);
  }
  for (const name of extra) {
    if (surge >= input.rolling.maxSurge) break;
    surge++;
    plan.createOn.push(name);
  }
  return plan;
}
