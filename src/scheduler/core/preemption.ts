import type { NodeInfo } from '../framework/node-info.js';
import type { NodeFilter } from '../framework/plugin.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';
import { isSuccess } from '../framework/status.js';
import type { Profile } from '../plugins/default-plugins.js';
import { reasonCounts, type Diagnosis } from './fit-error.js';

/** What preemption decided: victims to delete on the nominated node, and the message for the event. */
export interface PreemptionResult {
  nominatedNode?: string;
  victims: PodInfo[];
  /** PostFilter message appended to the FailedScheduling event. */
  message: string;
}

export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/**
 * Simplified DefaultPreemption (PostFilter), synchronous over the snapshot. Candidates are nodes
 * that failed with Unschedulable (not Unresolvable: evicting pods cannot fix labels or taints). On
 * each, lower-priority pods are removed lowest priority first until the pod passes every filter;
 * the node needing the fewest victims wins (then the lowest highest victim priority). The
 * snapshot is restored before returning. Not done: PodDisruptionBudgets, reprieving victims,
 * keeping the freed room for the nominated pod against other pods.
 */
export function preempt(pod: PodInfo, snapshot: Snapshot, profile: Profile, d: Diagnosis): PreemptionResult {
  if (pod.pod.spec?.preemptionPolicy === 'Never')
    return { victims: [], message: 'preemption: not eligible due to preemptionPolicy=Never.' };
  const nominated = pod.pod.status?.nominatedNodeName;
  const nominatedInfo = nominated ? snapshot.get(nominated) : undefined;
  if (
    nominatedInfo &&
    [...nominatedInfo.pods.values()].some((p) => p.priority < pod.priority && p.pod.metadata?.deletionTimestamp)
  ) {
    return { victims: [], message: 'preemption: not eligible due to a terminating pod on the nominated node.' };
  }
  const filters: NodeFilter[] = [];
  for (const plugin of profile.filters) {
    const prepared = plugin.prepareFilter(pod, snapshot);
    if (typeof prepared === 'function') filters.push(prepared);
  }
  const fits = (n: NodeInfo): boolean => filters.every((f) => isSuccess(f(n)));
  let best: { node: NodeInfo; victims: PodInfo[] } | undefined;
  for (const { node, status } of d.failures) {
    if (status.code !== 'Unschedulable') continue;
    const lower = [...node.pods.values()]
      .filter((p) => p.priority < pod.priority && !p.pod.metadata?.deletionTimestamp)
      .sort((a, b) => a.priority - b.priority);
    if (lower.length === 0) continue;
    const removed: PodInfo[] = [];
    let ok = false;
    for (const v of lower) {
      node.removePod(v.key);
      removed.push(v);
      if (fits(node)) {
        ok = true;
        break;
      }
    }
    for (const v of removed) node.addPod(v);
    if (ok && (!best || better(removed, best.victims))) best = { node, victims: removed };
  }
  if (best) return { nominatedNode: best.node.name, victims: best.victims, message: '' };
  const reasons = d.failures.map((f) => ({
    code: f.status.code,
    reasons: [f.status.code === 'Unschedulable' ? NO_VICTIMS : NOT_HELPFUL],
  }));
  return {
    victims: [],
    message: `preemption: 0/${d.numAllNodes} nodes are available: ${reasonCounts(reasons).join(', ')}.`,
  };
}

function better(a: PodInfo[], b: PodInfo[]): boolean {
  if (a.length !== b.length) return a.length < b.length;
  const maxA = Math.max(...a.map((p) => p.priority));
  const maxB = Math.max(...b.map((p) => p.priority));
  return maxA < maxB;
}
