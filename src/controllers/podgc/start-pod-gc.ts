import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { keyOf } from '../../machinery/client/object-key.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { podGcReconciler, SWEEP_KEY } from './pod-gc-controller.js';
import { NODES, PODS } from '../../machinery/resources/well-known.js';

/**
 * Starts the pod GC over the shared pod and node informers; its sweep runs at start and then
 * every 20 s. quarantineMs and intervalMs shorten the 40 s wait for missing nodes and the period
 * (tests; the server passes FLOTILLA_POD_GC_QUARANTINE_MS and FLOTILLA_POD_GC_INTERVAL_MS).
 */
export async function startPodGc(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  quarantineMs?: number;
  intervalMs?: number;
}): Promise<RunningController> {
  const pods = opts.informers.informerFor(PODS, 'full');
  const nodes = opts.informers.informerFor(NODES, 'full');
  const quarantine = opts.quarantineMs ?? 0;
  const interval = opts.intervalMs ?? 0;
  const running = await runController({
    name: 'pod-gc',
    log: opts.log,
    workers: 1,
    sources: [],
    reconcile: podGcReconciler({
      client: opts.client,
      pods,
      nodes,
      log: opts.log,
      ...(quarantine > 0 ? { quarantineMs: quarantine } : {}),
      ...(interval > 0 ? { intervalMs: interval } : {}),
    }),
  });
  running.queue.add(keyOf(SWEEP_KEY.namespace, SWEEP_KEY.name));
  return running;
}
