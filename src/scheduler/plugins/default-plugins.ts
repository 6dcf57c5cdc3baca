import type { FilterPlugin, ScorePlugin } from '../framework/plugin.js';
import { balancedAllocation } from './balanced-allocation.js';
import { interPodAffinity } from './inter-pod-affinity.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodePorts } from './node-ports.js';
import { nodeResourcesFit, type ScoringStrategy } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { podTopologySpread } from './pod-topology-spread.js';
import { taintToleration } from './taint-toleration.js';
import { volumeBinding, type VolumeLister } from './volume-binding.js';

/** The plugins of one scheduling profile, in the order they run. */
export interface Profile {
  filters: readonly FilterPlugin[];
  scores: readonly ScorePlugin[];
}

export interface ProfileOptions {
  /** NodeResourcesFit scoring: LeastAllocated (default, spreads) or MostAllocated (packs). */
  scoringStrategy?: ScoringStrategy;
  /** Storage objects for VolumeBinding (the plugin is left out without them, e.g. in unit tests). */
  volumes?: VolumeLister;
}

/**
 * kube-scheduler's default profile. Filters run cheapest and most selective first (a node is
 * dropped at its first failure): flags and names, then labels and taints, then ports and
 * resources, then the spread and affinity checks that look at other pods. Score weights are
 * Kubernetes' defaults: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
 * InterPodAffinity 2, NodeResourcesFit 1, BalancedAllocation 1.
 */
export function defaultProfile(opts: ProfileOptions = {}): Profile {
  const fit = nodeResourcesFit({ strategy: opts.scoringStrategy });
  const taints = taintToleration(3);
  const affinity = nodeAffinity(2);
  const spread = podTopologySpread(2);
  const podAffinity = interPodAffinity(2);
  return {
    filters: [
      nodeUnschedulable(),
      nodeName(),
      taints,
      affinity,
      nodePorts(),
      fit,
      ...(opts.volumes ? [volumeBinding(opts.volumes)] : []),
      spread,
      podAffinity,
    ],
    scores: [taints, affinity, spread, podAffinity, fit, balancedAllocation(1)],
  };
}
