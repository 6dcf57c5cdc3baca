import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { PersistentVolumeController } from './pv-controller.js';
import { PODS, PVCS, PVS, STORAGE_CLASSES } from '../../machinery/resources/well-known.js';

export interface StartVolumeControllersOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Node data dir assumed for local-path volumes when a node does not announce one (default /var/lib/flotilla). */
  nodeDataDir?: string;
}

/**
 * Runs the PersistentVolume controller (binder + local-path provisioner + reclaim) over the shared
 * full informers of claims, volumes, StorageClasses and pods. Resolves once the caches have synced.
 */
export async function startVolumeControllers(opts: StartVolumeControllersOptions): Promise<RunningController> {
  const claims = opts.informers.informerFor(PVCS, 'full');
  const volumes = opts.informers.informerFor(PVS, 'full');
  const classes = opts.informers.informerFor(STORAGE_CLASSES, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const log = opts.log.child({ controller: 'persistentvolume' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'persistentvolume-controller', log });
  const ctrl = new PersistentVolumeController({
    client: opts.client,
    claims,
    volumes,
    classes,
    pods,
    recorder,
    log,
    nodeDataDir: opts.nodeDataDir,
  });
  const sources = [
    { informer: claims, keysFor: ctrl.keysForClaim },
    { informer: volumes, keysFor: ctrl.keysForVolume },
    { informer: classes, keysFor: ctrl.keysForClass },
    { informer: pods, keysFor: ctrl.keysForPod },
  ];
  return runController({ name: 'persistentvolume', log: opts.log, workers: 1, sources, reconcile: ctrl.reconcile });
}
