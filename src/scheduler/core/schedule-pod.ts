import type { NodeInfo } from '../framework/node-info.js';
import type { NodeFilter, NodeScorer } from '../framework/plugin.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';
import { isSuccess, type Status } from '../framework/status.js';
import type { Profile } from '../plugins/default-plugins.js';
import type { Diagnosis } from './fit-error.js';
import { numFeasibleNodesToFind } from './num-feasible-nodes.js';

export type ScheduleResult =
  | { kind: 'scheduled'; node: NodeInfo; evaluatedNodes: number; feasibleNodes: number }
  | { kind: 'unschedulable'; diagnosis: Diagnosis };

/** State kept between cycles: where the next node walk starts (spreads the sampled nodes). */
export interface CycleCursor {
  nextStartNodeIndex: number;
}

export interface ScheduleOptions {
  /** percentageOfNodesToScore; undefined = adaptive. */
  percentageOfNodesToScore?: number;
  /** Random source for ties (tests pass a fixed one). */
  random?: () => number;
}

/**
 * One scheduling cycle for one pod over a snapshot: the whole pipeline, synchronous, no I/O.
 * Returns the chosen node, or the diagnosis of why none fits. Callers assume and bind.
 */
export function schedulePod(
  pod: PodInfo,
  snapshot: Snapshot,
  profile: Profile,
  cursor: CycleCursor,
  opts: ScheduleOptions = {},
): ScheduleResult {
  const all = snapshot.nodes();
  const diagnosis: Diagnosis = { numAllNodes: all.length, failures: [] };
  // 1. PreFilter: each plugin looks at the pod once; plugins with nothing to check drop out, and a
  //    plugin that can already tell no node fits ends the cycle before any node is visited.
  const filters: { name: string; check: NodeFilter }[] = [];
  for (const plugin of profile.filters) {
    const prepared = plugin.prepareFilter(pod, snapshot);
    if (prepared === undefined) continue;
    if (typeof prepared !== 'function') {
      diagnosis.preFilterMessage = prepared.reasons.join(', ');
      return { kind: 'unschedulable', diagnosis };
    }
    filters.push({ name: plugin.name, check: prepared });
  }
  // 2. Filter: walk nodes round-robin from where the last cycle stopped, keep the first
  //    numFeasibleNodesToFind feasible ones (percentageOfNodesToScore: large clusters are sampled).
  const wanted = numFeasibleNodesToFind(all.length, opts.percentageOfNodesToScore);
  const feasible = findFeasible(all, filters, wanted, cursor, diagnosis);
  if (feasible.length === 0) return { kind: 'unschedulable', diagnosis };
  const evaluatedNodes = diagnosis.failures.length + feasible.length;
  if (feasible.length === 1) return { kind: 'scheduled', node: feasible[0], evaluatedNodes, feasibleNodes: 1 };
  // 3. Score: weighted sum of each plugin's normalized (0-100) scores.
  const totals = scoreNodes(pod, snapshot, profile, feasible);
  // 4. Select: the highest total; ties broken uniformly at random (reservoir sampling).
  return {
    kind: 'scheduled',
    node: selectHost(feasible, totals, opts.random ?? Math.random),
    evaluatedNodes,
    feasibleNodes: feasible.length,
  };
}

function findFeasible(
  all: readonly NodeInfo[],
  filters: { name: string; check: NodeFilter }[],
  wanted: number,
  cursor: CycleCursor,
  d: Diagnosis,
): NodeInfo[] {
  const feasible: NodeInfo[] = [];
  const n = all.length;
  const start = n === 0 ? 0 : cursor.nextStartNodeIndex % n;
  let visited = 0;
  for (; visited < n && feasible.length < wanted; visited++) {
    const node = all[(start + visited) % n];
    let failed: Status | undefined;
    for (const f of filters) {
      const s = f.check(node);
      if (!isSuccess(s)) {
        failed = s.plugin ? s : { ...s, plugin: f.name };
        break;
      }
    }
    if (failed) d.failures.push({ node, status: failed });
    else feasible.push(node);
  }
  cursor.nextStartNodeIndex = n === 0 ? 0 : (start + visited) % n;
  return feasible;
}

function scoreNodes(pod: PodInfo, snapshot: Snapshot, profile: Profile, feasible: NodeInfo[]): Float64Array {
  const totals = new Float64Array(feasible.length);
  const scores: number[] = new Array<number>(feasible.length);
  for (const plugin of profile.scores) {
    const prepared = plugin.prepareScore(pod, snapshot, feasible);
    if (!prepared) continue;
    const score: NodeScorer = prepared.score;
    for (let i = 0; i < feasible.length; i++) scores[i] = score(feasible[i], i);
    prepared.normalize?.(scores);
    for (let i = 0; i < feasible.length; i++) totals[i] += scores[i] * plugin.weight;
  }
  return totals;
}

function selectHost(feasible: NodeInfo[], totals: Float64Array, random: () => number): NodeInfo {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return feasible[best];
}
