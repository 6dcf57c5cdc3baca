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
  /**
   * A fresh Summary. Never throws for one unreadable pod or container: it is left out. `host` is the
   * request's Host header (`<node InternalIP>:<port>`), by which one server for many hollow nodes
   * picks the node; a real agent ignores it.
   */
  summary(host?: string): Promise<Summary>;
}

/**
 * Node label naming the host the API server connects to for the node's agent server instead of
 * its InternalIP (hollow nodes: the loopback address of their process's shared stats server).
 */
export const AGENT_HOST_LABEL = 'flotilla.dev/agent-host';
