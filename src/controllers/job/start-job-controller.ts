import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { JobController } from './job-controller.js';
import { JOBS, PODS } from '../../machinery/resources/well-known.js';

export interface StartJobControllerOptions {
  client: KubeClient;
  /** The ttl-after-finished controller's client (deletes expired Jobs); default `client`. */
  ttlClient?: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-job-syncs. */
  workers?: number;
}

/**
 * Runs the Job controller over the shared full informers of Jobs and pods; its expectation
 * handlers are registered before the queue's. Resolves once the caches have synced.
 */
export async function startJobController(opts: StartJobControllerOptions): Promise<RunningController> {
  const jobs = opts.informers.informerFor(JOBS, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const log = opts.log.child({ controller: 'job' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'job-controller', log });
  const ctrl = new JobController({ client: opts.client, ttlClient: opts.ttlClient, jobs, pods, recorder, log });
  return runController({
    name: 'job',
    log: opts.log,
    workers: opts.workers ?? 5,
    sources: [{ informer: jobs }, { informer: pods, keysFor: ctrl.keysForPod }],
    observers: [{ informer: pods, handlers: ctrl.observePod }],
    reconcile: ctrl.reconcile,
  });
}
