import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { HpaController, type HpaSettings } from './hpa-controller.js';
import { HPAS, PODS } from '../../machinery/resources/well-known.js';

export interface StartHpaControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-horizontal-pod-autoscaler-syncs. */
  workers?: number;
  /** Overrides of DEFAULT_HPA_SETTINGS (the server passes FLOTILLA_HPA_* from the CLI; tests and small clusters). */
  settings?: Partial<HpaSettings>;
}

/** Runs the HPA controller over the shared full informers of HPAs (autoscaling/v2) and pods. Resolves once the caches have synced. */
export async function startHpaController(opts: StartHpaControllerOptions): Promise<RunningController> {
  const hpas = opts.informers.informerFor(HPAS, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const log = opts.log.child({ controller: 'horizontal-pod-autoscaler' });
  const recorder = clientEventRecorder({ client: opts.client, component: 'horizontal-pod-autoscaler', log });
  const ctrl = new HpaController({
    client: opts.client,
    hpas,
    pods,
    recorder,
    log,
    settings: withoutUndefined(opts.settings ?? {}),
  });
  // Pods are read from the cache at each sync; their events do not trigger one (as in Kubernetes).
  return runController({
    name: 'horizontal-pod-autoscaler',
    log: opts.log,
    workers: opts.workers ?? 5,
    sources: [{ informer: hpas }],
    reconcile: ctrl.reconcile,
  });
}

/** The fields that are set: an undefined override keeps the default. Pure. */
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
