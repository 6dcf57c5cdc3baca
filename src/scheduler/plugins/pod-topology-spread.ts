import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { selectorMatches } from '../../api/validation/label-selector.js';
import { anyTermMatches } from '../../machinery/scheduling/node-selector.js';
import type { NodeInfo } from '../framework/node-info.js';
import { MAX_NODE_SCORE, type FilterPlugin, type ScorePlugin } from '../framework/plugin.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';
import { SUCCESS, unresolvable, unschedulable } from '../framework/status.js';

/**
 * PodTopologySpread. Matching pods (same namespace, labelSelector) are counted per domain of each
 * constraint's topologyKey over the nodes the pod could use (nodeSelector / required node affinity
 * honoured, nodes missing a key left out). Filter (DoNotSchedule): placing the pod must keep
 * count(domain) + self - min(counts) <= maxSkew. Score (ScheduleAnyway): fewer matching pods in
 * the node's domains is better (kube's weighting by log(domains + 2), reversed normalization).
 * Not covered: minDomains, matchLabelKeys, nodeTaintsPolicy, cluster-level default constraints.
 */
export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const REASON_SPREAD = "node(s) didn't match pod topology spread constraints";
export const REASON_SPREAD_MISSING_LABEL =
  "node(s) didn't match pod topology spread constraints (missing required label)";

interface Counted {
  c: TopologySpreadConstraint;
  counts: Map<string, number>;
  self: number;
}

function nodeEligible(pod: PodInfo, n: NodeInfo, keys: readonly string[]): boolean {
  for (const k of keys) if (n.labels[k] === undefined) return false;
  for (const [k, v] of Object.entries(pod.pod.spec?.nodeSelector ?? {})) if (n.labels[k] !== v) return false;
  const terms = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms || anyTermMatches(terms, n.labels, n.name);
}

function count(pod: PodInfo, snapshot: Snapshot, constraints: TopologySpreadConstraint[]): Counted[] {
  const keys = constraints.map((c) => c.topologyKey);
  const out = constraints.map((c) => ({
    c,
    counts: new Map<string, number>(),
    self: c.labelSelector && selectorMatches(c.labelSelector, pod.labels as Record<string, string>) ? 1 : 0,
  }));
  for (const n of snapshot.nodes()) {
    if (!nodeEligible(pod, n, keys)) continue;
    for (const x of out) {
      const domain = n.labels[x.c.topologyKey];
      let matching = 0;
      if (x.c.labelSelector) {
        for (const p of n.pods.values()) {
          if (
            p.namespace === pod.namespace &&
            !p.pod.metadata?.deletionTimestamp &&
            selectorMatches(x.c.labelSelector, p.labels as Record<string, string>)
          )
            matching++;
        }
      }
      x.counts.set(domain, (x.counts.get(domain) ?? 0) + matching);
    }
  }
  return out;
}

function constraintsOf(pod: PodInfo, mode: 'DoNotSchedule' | 'ScheduleAnyway'): TopologySpreadConstraint[] {
  return (pod.pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === mode);
}

export function podTopologySpread(weight = 2): FilterPlugin & ScorePlugin {
  return {
    name: POD_TOPOLOGY_SPREAD,
    weight,
    prepareFilter(pod, snapshot) {
      const constraints = constraintsOf(pod, 'DoNotSchedule');
      if (constraints.length === 0) return undefined;
      const counted = count(pod, snapshot, constraints).map((x) => ({
        ...x,
        min: x.counts.size ? Math.min(...x.counts.values()) : 0,
      }));
      const missing = unresolvable(REASON_SPREAD_MISSING_LABEL);
      const skewed = unschedulable(REASON_SPREAD);
      return (node) => {
        for (const x of counted) {
          const domain = node.labels[x.c.topologyKey];
          if (domain === undefined) return missing;
          if ((x.counts.get(domain) ?? 0) + x.self - x.min > x.c.maxSkew) return skewed;
        }
        return SUCCESS;
      };
    },
    prepareScore(pod, snapshot) {
      const constraints = constraintsOf(pod, 'ScheduleAnyway');
      if (constraints.length === 0) return undefined;
      const counted = count(pod, snapshot, constraints).map((x) => ({ ...x, weight: Math.log(x.counts.size + 2) }));
      const ignored = new Set<number>();
      return {
        score: (node, idx) => {
          let s = 0;
          for (const x of counted) {
            const domain = node.labels[x.c.topologyKey];
            if (domain === undefined) {
              ignored.add(idx);
              return 0;
            }
            s += (x.counts.get(domain) ?? 0) * x.weight + (x.c.maxSkew - 1);
          }
          return Math.round(s);
        },
        normalize: (scores) => {
          let min = Infinity;
          let max = 0;
          scores.forEach((s, j) => {
            if (!ignored.has(j)) {
              if (s < min) min = s;
              if (s > max) max = s;
            }
          });
          for (let j = 0; j < scores.length; j++) {
            if (ignored.has(j)) scores[j] = 0;
            else scores[j] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max + min - scores[j])) / max);
          }
        },
      };
    },
  };
}
