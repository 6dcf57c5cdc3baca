/**
 * Node, pod and container resource usage for the agent's `/stats/summary` and `/metrics/resource`:
 *
 *   CgroupStatsProvider (real agent: /proc + cgroups v1/v2) --\
 *                                                              >-- Summary --> agent server --> API server metrics.k8s.io
 *   hollow/FakeStatsProvider (pod annotations)              --/
 */
export type {
  Summary,
  NodeStats,
  PodStats,
  ContainerStats,
  CpuStats,
  MemoryStats,
  StatsProvider,
} from '../../api/stats/summary-types.js';
export { AGENT_HOST_LABEL } from '../../api/stats/summary-types.js';
export { CgroupStatsProvider, type StatsPod, type CgroupStatsOptions } from './cgroup-stats-provider.js';
export { CpuRates } from './cpu-rate.js';
export { detectCgroupLayout, readCgroup, statValue, type CgroupLayout, type CgroupSample } from './cgroup-stats.js';
export { parseMeminfo, parseProcStatCpu, readNodeSample } from './proc-stats.js';
export { resourceMetricsText } from './resource-metrics.js';
export { agentMetrics } from './agent-metrics.js';
