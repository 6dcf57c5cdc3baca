import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import type { RunningController } from '../../machinery/controller/controller.js';
import { startReplicaSetController } from '../replicaset/start-replicaset-controller.js';
import { startDeploymentController } from './start-deployment-controller.js';

export interface StartWorkloadControllersOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
}

/** Starts the ReplicaSet and Deployment controllers. Resolves once they run. */
export async function startWorkloadControllers(opts: StartWorkloadControllersOptions): Promise<RunningController[]> {
  return Promise.all([startReplicaSetController(opts), startDeploymentController(opts)]);
}
