import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import type { Status } from './status.js';

/** Checks one node for the pod being scheduled; pure over its inputs. */
export type NodeFilter = (node: NodeInfo) => Status;

/**
 * A Filter plugin (PreFilter + Filter). prepareFilter() runs once per pod: it returns undefined when
 * the plugin has nothing to check for this pod (PreFilter's Skip), a Status when the pod cannot
 * fit anywhere, or the per-node check with whatever it precomputed captured in the closure.
 */
export interface FilterPlugin {
  readonly name: string;
  prepareFilter(pod: PodInfo, snapshot: Snapshot): NodeFilter | Status | undefined;
}

/** Scores feasible node number `index` (called once per node, in order); any range, normalize() maps it to 0-100. */
export type NodeScorer = (node: NodeInfo, index: number) => number;

/**
 * A Score plugin (PreScore + Score + NormalizeScore). prepareScore() returns undefined when the plugin
 * does not score this pod (every node gets 0). normalize, when present, rewrites scores in place
 * to 0-100; without it the scorer must already return 0-100.
 */
export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  prepareScore(
    pod: PodInfo,
    snapshot: Snapshot,
    feasible: readonly NodeInfo[],
  ): { score: NodeScorer; normalize?(scores: number[]): void } | undefined;
}

export const MAX_NODE_SCORE = 100;

/** NormalizeScore's default (helper.DefaultNormalizeScore): scale to max 100, optionally reversed. */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
