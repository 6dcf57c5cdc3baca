import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { DisruptionController } from './disruption-controller.js';
import { DEPLOYMENTS, PDBS, PODS, REPLICASETS, STATEFULSETS } from '../../machinery/resources/well-known.js';

export interface StartDisruptionControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  workers?: number;
}

/** Runs the disruption controller over shared full informers of PDBs, pods and the scalable workloads. Resolves once synced. */
export async function startDisruptionController(opts: StartDisruptionControllerOptions): Promise<RunningController> {
  const pdbs = opts.informers.informerFor(PDBS);
  const pods = opts.informers.informerFor(PODS);
  const replicaSets = opts.informers.informerFor(REPLICASETS);
  const deployments = opts.informers.informerFor(DEPLOYMENTS);
  const statefulSets = opts.informers.informerFor(STATEFULSETS);
  const log = opts.log.child({ controller: 'disruption' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'controllermanager', log });
  const ctrl = new DisruptionController({
    client: opts.client,
    pdbs,
    pods,
    replicaSets,
    deployments,
    statefulSets,
    recorder,
    log,
  });
  return runController({
    name: 'disruption',
    log: opts.log,
    workers: opts.workers ?? 2,
    sources: [
      { informer: pdbs },
      { informer: pods, keysFor: ctrl.keysForPod },
      { informer: replicaSets, keysFor: ctrl.keysForWorkload },
      { informer: deployments, keysFor: ctrl.keysForWorkload },
      { informer: statefulSets, keysFor: ctrl.keysForWorkload },
    ],
    reconcile: ctrl.reconcile,
  });
}
