/**
 * Hollow nodes: many fake nodes in one process, with a fake runtime, for scale tests.
 *
 *   HollowNodes --> NodeHeartbeat per node (agent/node) + one pod informer --> pod status writes
 */
export { HollowNodes, type HollowNodesOptions } from './hollow-nodes.js';
export {
  EXIT_AFTER_ANNOTATION,
  exitAfterMs,
  parseDurationMs,
  runningPodStatus,
  succeededPodStatus,
} from './hollow-pod-status.js';
export { PodIpPool } from './pod-ip-pool.js';
export { FakeStatsProvider, fakeContainerUsage, FAKE_CPU_ANNOTATION, FAKE_MEMORY_ANNOTATION } from './fake-stats.js';
export { startHollowStats, startHollowNodesWithStats, type HollowStats } from './hollow-stats.js';
