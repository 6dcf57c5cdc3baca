import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { DaemonSetController } from './daemonset-controller.js';
import { CONTROLLER_REVISIONS, DAEMONSETS, NODES, PODS } from '../../machinery/resources/well-known.js';

export interface StartDaemonSetControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 2, as kube-controller-manager's --concurrent-daemonset-syncs. */
  workers?: number;
}

/**
 * Runs the DaemonSet controller over the shared full informers of DaemonSets, pods, nodes and
 * ControllerRevisions; its expectation handlers are registered before the queue's.
 */
export async function startDaemonSetController(opts: StartDaemonSetControllerOptions): Promise<RunningController> {
  const daemonSets = opts.informers.informerFor(DAEMONSETS, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const nodes = opts.informers.informerFor(NODES, 'full');
  const revisions = opts.informers.informerFor(CONTROLLER_REVISIONS, 'full');
  const log = opts.log.child({ controller: 'daemonset' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'daemonset-controller', log });
  const ctrl = new DaemonSetController({ client: opts.client, daemonSets, pods, nodes, revisions, recorder, log });
  return runController({
    name: 'daemonset',
    log: opts.log,
    workers: opts.workers ?? 2,
    sources: [
      { informer: daemonSets },
      { informer: pods, keysFor: ctrl.keysForOwned },
      { informer: revisions, keysFor: ctrl.keysForOwned },
      { informer: nodes, keysFor: ctrl.keysForNode },
    ],
    observers: [{ informer: pods, handlers: ctrl.observePod }],
    reconcile: ctrl.reconcile,
  });
}
