import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { StatefulSetController } from './statefulset-controller.js';
import { CONTROLLER_REVISIONS, PODS, STATEFULSETS } from '../../machinery/resources/well-known.js';

export interface StartStatefulSetControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-statefulset-syncs. */
  workers?: number;
}

/** Runs the StatefulSet controller over the shared full informers of StatefulSets, pods and ControllerRevisions. */
export async function startStatefulSetController(opts: StartStatefulSetControllerOptions): Promise<RunningController> {
  const statefulSets = opts.informers.informerFor(STATEFULSETS, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const revisions = opts.informers.informerFor(CONTROLLER_REVISIONS, 'full');
  const log = opts.log.child({ controller: 'statefulset' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'statefulset-controller', log });
  const ctrl = new StatefulSetController({ client: opts.client, statefulSets, pods, revisions, recorder, log });
  return runController({
    name: 'statefulset',
    log: opts.log,
    workers: opts.workers ?? 5,
    sources: [
      { informer: statefulSets },
      { informer: pods, keysFor: ctrl.keysForOwned },
      { informer: revisions, keysFor: ctrl.keysForOwned },
    ],
    reconcile: ctrl.reconcile,
  });
}
