import type { Toleration } from 'kubernetes-types/core/v1.js';
import { defaultNormalize, type FilterPlugin, type ScorePlugin } from '../framework/plugin.js';
import { SUCCESS, unresolvable } from '../framework/status.js';
import { firstUntolerated, toleratesTaint } from '../../machinery/scheduling/tolerations.js';

/**
 * TaintToleration. Filter: every NoSchedule/NoExecute taint of the node must be tolerated.
 * Score: fewer untolerated PreferNoSchedule taints is better (reversed normalization).
 */
export const TAINT_TOLERATION = 'TaintToleration';

export function reasonUntoleratedTaint(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

export function taintToleration(weight = 3): FilterPlugin & ScorePlugin {
  return {
    name: TAINT_TOLERATION,
    weight,
    prepareFilter(pod) {
      const tolerations = pod.pod.spec?.tolerations ?? [];
      // Reasons are cached per taint so equal failures share one Status object.
      const failures = new Map<string, ReturnType<typeof unresolvable>>();
      return (node) => {
        if (node.hardTaints.length === 0) return SUCCESS;
        const taint = firstUntolerated(node.hardTaints, tolerations);
        if (!taint) return SUCCESS;
        const k = `${taint.key}\u0000${taint.value ?? ''}`;
        let f = failures.get(k);
        if (!f) failures.set(k, (f = unresolvable(reasonUntoleratedTaint(taint.key, taint.value))));
        return f;
      };
    },
    prepareScore(pod) {
      const tolerations: Toleration[] = (pod.pod.spec?.tolerations ?? []).filter(
        (t) => !t.effect || t.effect === 'PreferNoSchedule',
      );
      return {
        score: (node) => {
          let n = 0;
          for (const taint of node.preferNoScheduleTaints) if (!tolerations.some((t) => toleratesTaint(t, taint))) n++;
          return n;
        },
        normalize: (scores) => defaultNormalize(scores, true),
      };
    },
  };
}
