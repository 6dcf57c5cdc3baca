import type { NodeInfo } from './node-info.js';

/**
 * The cluster as one scheduling cycle sees it. The cycle is synchronous (no await between
 * PreFilter and the choice of a node), so the scheduler cache serves as its own snapshot: nothing
 * changes it while a cycle runs.
 */
export interface Snapshot {
  /** Nodes with a Node object, in a stable order (the round-robin start index walks it). */
  nodes(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Nodes that hold at least one pod with (anti-)affinity terms. */
  nodesWithAffinityPods(): readonly NodeInfo[];
}
