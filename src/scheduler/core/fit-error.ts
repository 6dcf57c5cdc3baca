import type { NodeInfo } from '../framework/node-info.js';
import type { Status } from '../framework/status.js';

/** Why a pod fits nowhere: each failing node with its Status (kube-scheduler's Diagnosis). */
export interface Diagnosis {
  numAllNodes: number;
  failures: { node: NodeInfo; status: Status }[];
  /** Set when a PreFilter rejected the pod for every node at once. */
  preFilterMessage?: string;
  /** What preemption said (e.g. `preemption: 0/3 nodes are available: ...`). */
  postFilterMessage?: string;
}

/**
 * FitError.Error(): `0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient
 * cpu.` Each reason is counted over nodes, the `count reason` strings sorted as strings (as Go's
 * sort.Strings), then the post-filter message appended. Pure.
 */
export function fitErrorMessage(d: Diagnosis): string {
  let msg = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMessage) msg += ` ${d.preFilterMessage}.`;
  else msg += ` ${reasonCounts(d.failures.map((f) => f.status)).join(', ')}.`;
  if (d.postFilterMessage) msg += ` ${d.postFilterMessage}`;
  return msg;
}

/** `count reason` strings, sorted. Pure. */
export function reasonCounts(statuses: readonly Status[]): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort();
}
