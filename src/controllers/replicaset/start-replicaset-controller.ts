import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { ReplicaSetController } from './replicaset-controller.js';
import { PODS, REPLICASETS } from '../../machinery/resources/well-known.js';

export interface StartReplicaSetControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-replicaset-syncs. */
  workers?: number;
}

/**
 * Runs the ReplicaSet controller over the shared full informers of ReplicaSets and pods: its
 * expectation handlers are registered before the queue's, so a reconcile triggered by a pod event
 * already sees that pod observed. Resolves once the caches have synced.
 */
export async function startReplicaSetController(opts: StartReplicaSetControllerOptions): Promise<RunningController> {
  const replicaSets = opts.informers.informerFor(REPLICASETS, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const log = opts.log.child({ controller: 'replicaset' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'replicaset-controller', log });
  const ctrl = new ReplicaSetController({ client: opts.client, replicaSets, pods, recorder, log });
  return runController({
    name: 'replicaset',
    log: opts.log,
    workers: opts.workers ?? 5,
    sources: [{ informer: replicaSets }, { informer: pods, keysFor: ctrl.keysForPod }],
    observers: [{ informer: pods, handlers: ctrl.observePod }],
    reconcile: ctrl.reconcile,
  });
}
