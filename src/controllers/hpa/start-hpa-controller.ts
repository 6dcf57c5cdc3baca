import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { clientEventRecorder } from '../../machinery/events/event-recorder.js';
import { HPAS, HpaController, PODS, type HpaSettings } from './hpa-controller.js';

export interface StartHpaControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Default 5, as kube-controller-manager's --concurrent-horizontal-pod-autoscaler-syncs. */
  workers?: number;
  /** Default: DEFAULT_HPA_SETTINGS overridden by hpaSettingsFromEnv(process.env). */
  settings?: Partial<HpaSettings>;
}

/** Environment overrides (tests and small clusters): FLOTILLA_HPA_SYNC_PERIOD_MS, FLOTILLA_HPA_DOWNSCALE_STABILIZATION_MS, FLOTILLA_HPA_CPU_INITIALIZATION_PERIOD_MS, FLOTILLA_HPA_TOLERANCE. Pure. */
export function hpaSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<HpaSettings> {
  const out: Partial<HpaSettings> = {};
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const sync = num('FLOTILLA_HPA_SYNC_PERIOD_MS');
  if (sync !== undefined && sync > 0) out.syncPeriodMs = sync;
  const down = num('FLOTILLA_HPA_DOWNSCALE_STABILIZATION_MS');
  if (down !== undefined) out.downscaleWindowMs = down;
  const init = num('FLOTILLA_HPA_CPU_INITIALIZATION_PERIOD_MS');
  if (init !== undefined) out.cpuInitializationPeriodMs = init;
  const tol = num('FLOTILLA_HPA_TOLERANCE');
  if (tol !== undefined) out.tolerance = tol;
  return out;
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
    settings: opts.settings ?? hpaSettingsFromEnv(process.env),
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
