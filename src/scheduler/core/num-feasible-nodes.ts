/** Below this many nodes every node is evaluated (minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Floor of the adaptive percentage (minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_PERCENTAGE = 5;

/**
 * How many feasible nodes to find before scoring (kube-scheduler's numFeasibleNodesToFind with
 * percentageOfNodesToScore): all nodes below 100; else `percentage` of them when configured, or
 * adaptively 50% - nodes/125 (50% at 100 nodes, 10% at 5,000, never below 5%); never fewer than
 * 100. Pure.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage?: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage === 100) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_PERCENTAGE, 50 - Math.floor(numAllNodes / 125));
  const n = Math.floor((numAllNodes * pct) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}
