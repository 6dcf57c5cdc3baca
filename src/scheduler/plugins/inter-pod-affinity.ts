import type { FilterPlugin, ScorePlugin } from '../framework/plugin.js';
import { MAX_NODE_SCORE } from '../framework/plugin.js';
import { affinityTermMatches, TopologyCounts } from '../framework/pod-affinity-term.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';
import { SUCCESS, unresolvable, unschedulable } from '../framework/status.js';

/**
 * InterPodAffinity. Filter: (1) no existing pod's required anti-affinity term selects the incoming
 * pod within the node's topology domain; (2) no pod selected by the incoming pod's required
 * anti-affinity terms is in the node's domain; (3) for each required affinity term a selected pod
 * is in the node's domain (unless no pod in the cluster matches and the pod matches its own terms:
 * the first pod of a group). Score: preferred terms of the incoming pod and of existing pods
 * (+weight for affinity, -weight for anti-affinity) summed per domain, min-max normalized.
 */
export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

function eachPod(snapshot: Snapshot, fn: (p: PodInfo, labels: Readonly<Record<string, string>>) => void): void {
  for (const n of snapshot.nodes()) for (const p of n.pods.values()) fn(p, n.labels);
}

export function interPodAffinity(weight = 2): FilterPlugin & ScorePlugin {
  return {
    name: INTER_POD_AFFINITY,
    weight,
    prepareFilter(pod, snapshot) {
      const existingAnti = new TopologyCounts();
      for (const n of snapshot.nodesWithAffinityPods()) {
        for (const p of n.podsWithRequiredAntiAffinity) {
          for (const t of p.requiredAntiAffinity)
            if (affinityTermMatches(t, p.namespace, pod)) existingAnti.add(t.topologyKey, n.labels[t.topologyKey], 1);
        }
      }
      const affinity = pod.requiredAffinity.map(() => new TopologyCounts());
      const anti = pod.requiredAntiAffinity.map(() => new TopologyCounts());
      let anyAffinityMatch = false;
      if (affinity.length + anti.length > 0) {
        eachPod(snapshot, (p, labels) => {
          pod.requiredAffinity.forEach((t, i) => {
            if (affinityTermMatches(t, pod.namespace, p)) {
              affinity[i].add(t.topologyKey, labels[t.topologyKey], 1);
              anyAffinityMatch = true;
            }
          });
          pod.requiredAntiAffinity.forEach((t, i) => {
            if (affinityTermMatches(t, pod.namespace, p)) anti[i].add(t.topologyKey, labels[t.topologyKey], 1);
          });
        });
      }
      if (existingAnti.empty && affinity.length === 0 && anti.length === 0) return undefined;
      const selfMatch = pod.requiredAffinity.every((t) => affinityTermMatches(t, pod.namespace, pod));
      const failExisting = unschedulable(REASON_EXISTING_ANTI_AFFINITY);
      const failAnti = unschedulable(REASON_ANTI_AFFINITY);
      const failAffinity = unresolvable(REASON_AFFINITY);
      return (node) => {
        if (existingAnti.anyPositive(node.labels)) return failExisting;
        for (let i = 0; i < anti.length; i++) if (anti[i].anyPositive(node.labels)) return failAnti;
        for (let i = 0; i < affinity.length; i++) {
          const key = pod.requiredAffinity[i].topologyKey;
          if (node.labels[key] === undefined) return failAffinity;
          if (affinity[i].get(key, node.labels[key]) > 0) continue;
          if (!anyAffinityMatch && selfMatch) continue;
          return failAffinity;
        }
        return SUCCESS;
      };
    },
    prepareScore(pod, snapshot) {
      const scores = new TopologyCounts();
      if (pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0) {
        eachPod(snapshot, (p, labels) => {
          for (const w of pod.preferredAffinity)
            if (affinityTermMatches(w.podAffinityTerm, pod.namespace, p))
              scores.add(w.podAffinityTerm.topologyKey, labels[w.podAffinityTerm.topologyKey], w.weight);
          for (const w of pod.preferredAntiAffinity)
            if (affinityTermMatches(w.podAffinityTerm, pod.namespace, p))
              scores.add(w.podAffinityTerm.topologyKey, labels[w.podAffinityTerm.topologyKey], -w.weight);
        });
      }
      for (const n of snapshot.nodesWithAffinityPods()) {
        for (const p of n.podsWithAffinity) {
          for (const w of p.preferredAffinity)
            if (affinityTermMatches(w.podAffinityTerm, p.namespace, pod))
              scores.add(w.podAffinityTerm.topologyKey, n.labels[w.podAffinityTerm.topologyKey], w.weight);
          for (const w of p.preferredAntiAffinity)
            if (affinityTermMatches(w.podAffinityTerm, p.namespace, pod))
              scores.add(w.podAffinityTerm.topologyKey, n.labels[w.podAffinityTerm.topologyKey], -w.weight);
        }
      }
      if (scores.empty) return undefined;
      return { score: (node) => scores.sumFor(node.labels), normalize: minMaxNormalize };
    },
  };
}

/** (s - min) * 100 / (max - min); all 0 when every node scored the same. */
export function minMaxNormalize(scores: number[]): void {
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const diff = max - min;
  for (let i = 0; i < scores.length; i++)
    scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
}
