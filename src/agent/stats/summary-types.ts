/**
 * The subset of the kubelet's Summary API (`GET /stats/summary`, k8s.io/kubelet/pkg/apis/stats/v1alpha1)
 * that Flotilla agents serve: what metrics-server and `kubectl top` need.
 */

/** CPU of a node, pod or container at `time`. usageNanoCores is a rate over the last two samples (absent on the first). */
export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

/** Memory at `time`; workingSetBytes = usage - inactive file pages, as the kubelet reports it. */
export interface MemoryStats {
  time: string;
  usageBytes: number;
  workingSetBytes: number;
  availableBytes?: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface NodeStats {
  nodeName: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

/** Where a node's Summary comes from: cgroups and /proc (real agent) or pod annotations (hollow nodes). */
export interface StatsProvider {
  /** A fresh Summary. Never throws for one unreadable pod or container: it is left out. */
  summary(): Promise<Summary>;
}
