import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { CRONJOBS, CronJobController, JOBS } from './cronjob-controller.js';

/** Test-only: runs the CronJob controller's clock this many times faster than real time (e.g. 30: `* * * * *` fires every 2 s). */
export const CLOCK_SPEED_ENV = 'FLOTILLA_CRONJOB_CLOCK_SPEED';

export interface StartCronJobControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-cron-job-syncs. */
  workers?: number;
  /** Clock speed factor (default from FLOTILLA_CRONJOB_CLOCK_SPEED, else 1 = real time). */
  clockSpeed?: number;
}

/** Runs the CronJob controller over the shared full informers of CronJobs and Jobs. Resolves once the caches have synced. */
export async function startCronJobController(opts: StartCronJobControllerOptions): Promise<RunningController> {
  const cronJobs = opts.informers.informerFor(CRONJOBS, 'full');
  const jobs = opts.informers.informerFor(JOBS, 'full');
  const log = opts.log.child({ controller: 'cronjob' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'cronjob-controller', log });
  const speed = opts.clockSpeed ?? clockSpeedFromEnv(process.env);
  const origin = Date.now();
  const ctrl = new CronJobController({
    client: opts.client,
    cronJobs,
    jobs,
    recorder,
    log,
    now: speed === 1 ? Date.now : () => origin + (Date.now() - origin) * speed,
    realDelayMs: (ms) => ms / speed,
  });
  return runController({
    name: 'cronjob',
    log: opts.log,
    workers: opts.workers ?? 5,
    sources: [{ informer: cronJobs }, { informer: jobs, keysFor: ctrl.keysForJob }],
    reconcile: ctrl.reconcile,
  });
}

/** The clock speed factor from the environment: a positive number, else 1. Pure. */
export function clockSpeedFromEnv(env: NodeJS.ProcessEnv): number {
  const v = Number(env[CLOCK_SPEED_ENV]);
  return Number.isFinite(v) && v > 0 ? v : 1;
}
