/**
 * The scheduler: places pending pods on nodes, with Kubernetes' plugins and semantics.
 *
 *   informers: nodes, pods, priorityclasses
 *      | bound pods, nodes                 | pending pods (schedulerName default-scheduler, no nodeName)
 *      v                                   v
 *   SchedulerCache (NodeInfo per node,   SchedulingQueue (activeQ by priority then age,
 *    assumed pods)  == Snapshot           backoffQ 1s..10s, unschedulable until a cluster change)
 *      |                                   | pop
 *      +------------> schedulePod: PreFilter -> Filter (sampled nodes) -> Score -> select
 *                          | node                          | none fits
 *                     assume + bind (async,           preemption, PodScheduled=False,
 *                     64 in flight) -> Scheduled      FailedScheduling event, wait
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

export { Scheduler, DEFAULT_SCHEDULER_NAME, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
export { defaultProfile, type Profile, type ProfileOptions } from './plugins/default-plugins.js';
export { schedulePod, type ScheduleResult } from './core/schedule-pod.js';
export { fitErrorMessage } from './core/fit-error.js';

export interface RunningScheduler {
  readonly scheduler: Scheduler;
  /** Stops scheduling and waits for bindings in flight. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the scheduler over `client` (which it does not close). Resolves once its informers have
 * synced and the scheduling loop runs.
 */
export async function startScheduler(
  opts: { client: KubeClient; log: Logger } & Partial<SchedulerOptions>,
): Promise<RunningScheduler> {
  const scheduler = new Scheduler(opts);
  try {
    await scheduler.start();
  } catch (err) {
    await scheduler.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return { scheduler, stop: () => (stopping ??= scheduler.stop()) };
}
