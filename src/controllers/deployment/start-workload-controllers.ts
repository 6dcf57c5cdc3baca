import type { Logger } from 'pino';
import type { KubeClient } from '../../client/kube-client.js';
import type { SharedInformers } from '../../client/shared-informers.js';
import type { RunningController } from '../controller.js';
import { startReplicaSetController } from '../replicaset/start-replicaset-controller.js';
import { startDeploymentController } from './start-deployment-controller.js';

export interface StartWorkloadControllersOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
}

/** Starts the workload controllers of issue 3 (ReplicaSet, Deployment). Resolves once they run. */
export async function startWorkloadControllers(opts: StartWorkloadControllersOptions): Promise<RunningController[]> {
  return Promise.all([startReplicaSetController(opts), startDeploymentController(opts)]);
}
