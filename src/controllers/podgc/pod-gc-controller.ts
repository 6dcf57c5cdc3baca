import type { Logger } from 'pino';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Reconcile, ReconcileResult } from '../../machinery/controller/controller.js';
import { planPodGc, type PodGcAction, type PodGcSettings } from './pod-gc-plan.js';
import { NODES, PODS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

/** The single key the sweep runs under. */
export const SWEEP_KEY = { namespace: '', name: 'pod-gc' };

export interface PodGcOptions extends Partial<PodGcSettings> {
  client: KubeClient;
  pods: Informer<ObjectOf<Pod>>;
  nodes: Informer<ObjectOf<Node>>;
  log: Logger;
  /** Time between sweeps (kube: 20 s). */
  intervalMs?: number;
  now?: () => number;
}

/**
 * The pod garbage collector: a periodic sweep over the informers' caches (see planPodGc). An
 * orphaned pod is confirmed with a live GET of its node before it goes, since the cache may lag.
 */
export function podGcReconciler(opts: PodGcOptions): Reconcile {
  const settings: PodGcSettings = {
    terminatedPodThreshold: opts.terminatedPodThreshold ?? 12_500,
    quarantineMs: opts.quarantineMs ?? 40_000,
  };
  const interval = opts.intervalMs ?? 20_000;
  const now = opts.now ?? Date.now;
  const missingSince = new Map<string, number>();

  const nodeExists = async (name: string): Promise<boolean> => {
    try {
      await opts.client.get(NODES, '', name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };

  const act = async (a: PodGcAction): Promise<void> => {
    const ns = a.pod.metadata?.namespace ?? '';
    const name = a.pod.metadata?.name ?? '';
    if (a.kind === 'orphaned') {
      if (await nodeExists(a.pod.spec?.nodeName ?? '')) return;
      if (a.pod.status?.phase !== 'Succeeded' && a.pod.status?.phase !== 'Failed') {
        // As kube 1.27+: the pod ends Failed with a DisruptionTarget condition before it is removed.
        const at = new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        await opts.client.patch(
          PODS,
          ns,
          name,
          'merge',
          {
            status: {
              phase: 'Failed',
              conditions: [
                ...(a.pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
                {
                  type: 'DisruptionTarget',
                  status: 'True',
                  reason: 'DeletionByPodGC',
                  message: 'PodGC: node no longer exists',
                  lastTransitionTime: at,
                },
              ],
            },
          },
          { subresource: 'status' },
        );
      }
    }
    opts.log.info({ pod: `${ns}/${name}`, why: a.kind === 'orphaned' ? 'orphaned' : a.reason }, 'pod gc: deleting pod');
    await opts.client.delete(PODS, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: a.pod.metadata?.uid } });
  };

  return async (): Promise<ReconcileResult> => {
    const nodes = new Map<string, Node>();
    for (const n of opts.nodes.list()) nodes.set(n.metadata.name ?? '', n);
    const pods = opts.pods.list();
    for (const a of planPodGc(pods, nodes, missingSince, now(), settings)) {
      try {
        await act(a);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err))
          opts.log.warn({ err, pod: a.pod.metadata?.name }, 'pod gc: action failed');
      }
    }
    return { requeueAfterMs: interval };
  };
}
