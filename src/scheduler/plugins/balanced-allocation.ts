import type { ScorePlugin } from '../framework/plugin.js';

/**
 * NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in equal
 * proportion after placing the pod: score = (1 - std(fractions)) * 100, fractions capped at 1.
 */
export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export function balancedAllocation(weight = 1): ScorePlugin {
  return {
    name: BALANCED_ALLOCATION,
    weight,
    prepareScore(pod) {
      const cpu = pod.nonZero.milliCpu;
      const mem = pod.nonZero.memory;
      return {
        score: (node) => {
          const a = node.allocatable;
          const fc = a.milliCpu > 0 ? Math.min(1, (node.nonZeroRequested.milliCpu + cpu) / a.milliCpu) : 1;
          const fm = a.memory > 0 ? Math.min(1, (node.nonZeroRequested.memory + mem) / a.memory) : 1;
          // With two resources the standard deviation is half their difference.
          const std = Math.abs(fc - fm) / 2;
          return Math.floor((1 - std) * 100);
        },
      };
    },
  };
}
