import type { FilterPlugin, ScorePlugin } from '../framework/plugin.js';
import type { NodeInfo } from '../framework/node-info.js';
import { SUCCESS, unschedulable, type Status } from '../framework/status.js';

/**
 * NodeResourcesFit. Filter: the pod's requests (containers summed, init containers' max, overhead)
 * must fit in allocatable minus what the node's pods already request, for cpu, memory,
 * ephemeral-storage and every extended resource; and the node must allow one more pod.
 * Score: LeastAllocated (default: spread) or MostAllocated (bin-pack) over cpu and memory with the
 * non-zero requests (100m / 200Mi for containers without requests).
 */
export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const insufficient = (resource: string): string => `Insufficient ${resource}`;

export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

export function nodeResourcesFit(
  opts: { strategy?: ScoringStrategy; weight?: number } = {},
): FilterPlugin & ScorePlugin {
  const strategy = opts.strategy ?? 'LeastAllocated';
  return {
    name: NODE_RESOURCES_FIT,
    weight: opts.weight ?? 1,
    prepareFilter(pod) {
      const r = pod.requests;
      const scalars = r.scalars ? Object.entries(r.scalars).filter(([, v]) => v > 0) : [];
      const cache = new Map<string, Status>();
      const statusOf = (reasons: string[]): Status => {
        const k = reasons.join('\n');
        let s = cache.get(k);
        if (!s) cache.set(k, (s = unschedulable(...reasons)));
        return s;
      };
      return (node: NodeInfo) => {
        let reasons: string[] | undefined;
        if (node.pods.size + 1 > node.allowedPods) (reasons ??= []).push(REASON_TOO_MANY_PODS);
        const a = node.allocatable;
        const q = node.requested;
        if (r.milliCpu > 0 && r.milliCpu > a.milliCpu - q.milliCpu) (reasons ??= []).push(insufficient('cpu'));
        if (r.memory > 0 && r.memory > a.memory - q.memory) (reasons ??= []).push(insufficient('memory'));
        if (r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - q.ephemeralStorage)
          (reasons ??= []).push(insufficient('ephemeral-storage'));
        for (const [name, v] of scalars) {
          if (v > (a.scalars?.[name] ?? 0) - (q.scalars?.[name] ?? 0)) (reasons ??= []).push(insufficient(name));
        }
        return reasons ? statusOf(reasons) : SUCCESS;
      };
    },
    prepareScore(pod) {
      const cpu = pod.nonZero.milliCpu;
      const mem = pod.nonZero.memory;
      const one = strategy === 'LeastAllocated' ? leastAllocated : mostAllocated;
      return {
        score: (node) =>
          Math.floor(
            (one(node.nonZeroRequested.milliCpu + cpu, node.allocatable.milliCpu) +
              one(node.nonZeroRequested.memory + mem, node.allocatable.memory)) /
              2,
          ),
      };
    },
  };
}

/** (capacity - requested) * 100 / capacity, 0 when over capacity. */
function leastAllocated(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return ((capacity - requested) * 100) / capacity;
}

/** requested * 100 / capacity, capped at 100. */
function mostAllocated(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.min(100, (requested * 100) / capacity);
}
