import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { CronJobController } from './cronjob-controller.js';
import { CRONJOBS, JOBS } from '../../machinery/resources/well-known.js';

export interface StartCronJobControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-cron-job-syncs. */
  workers?: number;
  /**
   * Test-only: the controller's clock runs this many times faster than real time (e.g. 30: `* * * * *`
   * fires every 2 s). Default 1 (real time); the server passes FLOTILLA_CRONJOB_CLOCK_SPEED.
   */
  clockSpeed?: number;
}

/** Runs the CronJob controller over the shared full informers of CronJobs and Jobs. Resolves once the caches have synced. */
export async function startCronJobController(opts: StartCronJobControllerOptions): Promise<RunningController> {
  const cronJobs = opts.informers.informerFor(CRONJOBS, 'full');
  const jobs = opts.informers.informerFor(JOBS, 'full');
  const log = opts.log.child({ controller: 'cronjob' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'cronjob-controller', log });
  const speed = opts.clockSpeed !== undefined && opts.clockSpeed > 0 ? opts.clockSpeed : 1;
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
