import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { DeploymentController } from './deployment-controller.js';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../../machinery/resources/well-known.js';

export interface StartDeploymentControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-deployment-syncs. */
  workers?: number;
}

/** Runs the Deployment controller over the shared full informers of Deployments, ReplicaSets and pods. */
export async function startDeploymentController(opts: StartDeploymentControllerOptions): Promise<RunningController> {
  const deployments = opts.informers.informerFor(DEPLOYMENTS, 'full');
  const replicaSets = opts.informers.informerFor(REPLICASETS, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const log = opts.log.child({ controller: 'deployment' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'deployment-controller', log });
  const ctrl = new DeploymentController({ client: opts.client, deployments, replicaSets, pods, recorder, log });
  return runController({
    name: 'deployment',
    log: opts.log,
    workers: opts.workers ?? 5,
    sources: [
      { informer: deployments },
      { informer: replicaSets, keysFor: ctrl.keysForReplicaSet },
      { informer: pods, keysFor: ctrl.keysForPod },
    ],
    reconcile: ctrl.reconcile,
  });
}
