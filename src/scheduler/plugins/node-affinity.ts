import type { NodeSelectorTerm, PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';
import { defaultNormalize, type FilterPlugin, type ScorePlugin } from '../framework/plugin.js';
import { anyTermMatches, termMatches } from '../../machinery/scheduling/node-selector.js';
import { SUCCESS, unresolvable } from '../framework/status.js';

/**
 * NodeAffinity. Filter: spec.nodeSelector (every label equal) and the required node affinity
 * (nodeSelectorTerms ORed; within a term matchExpressions and matchFields ANDed). Score: the sum
 * of weights of matching preferred terms, normalized so the best node gets 100.
 */
export const NODE_AFFINITY = 'NodeAffinity';
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export function nodeAffinity(weight = 2): FilterPlugin & ScorePlugin {
  return {
    name: NODE_AFFINITY,
    weight,
    prepareFilter(pod) {
      const selector = Object.entries(pod.pod.spec?.nodeSelector ?? {});
      const required: NodeSelectorTerm[] | undefined =
        pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      if (selector.length === 0 && !required) return undefined;
      const failed = unresolvable(REASON_NODE_AFFINITY);
      return (node) => {
        for (const [k, v] of selector) if (node.labels[k] !== v) return failed;
        if (required && !anyTermMatches(required, node.labels, node.name)) return failed;
        return SUCCESS;
      };
    },
    prepareScore(pod) {
      const preferred: PreferredSchedulingTerm[] =
        pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      if (preferred.length === 0) return undefined;
      return {
        score: (node) => {
          let sum = 0;
          for (const p of preferred)
            if (p.weight !== 0 && termMatches(p.preference, node.labels, node.name)) sum += p.weight;
          return sum;
        },
        normalize: (scores) => defaultNormalize(scores, false),
      };
    },
  };
}
