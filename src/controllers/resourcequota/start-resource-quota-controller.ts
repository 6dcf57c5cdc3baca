import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { InformerHandlers } from '../../machinery/client/informer.js';
import { keyOf } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { WorkQueue } from '../../machinery/controller/work-queue.js';
import { deepEqual } from '../../api/validation/field.js';
import { PODS, PVCS, RESOURCE_QUOTAS, SERVICES } from '../../machinery/resources/well-known.js';
import { ResourceQuotaController } from './resource-quota-controller.js';

export interface StartResourceQuotaControllerOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  workers?: number;
  /** Full recalculation period of each quota (default 5 minutes). */
  resyncMs?: number;
}

/**
 * Runs the resourcequota controller over shared informers of quotas, pods, services and claims
 * (and metadata informers of other counted resources, started as quotas name them).
 *
 *   quota added, spec.hard changed, status not filled  --> that quota
 *   pod / service / claim whose usage changed or went   --> every quota of its namespace
 *   counted object deleted                              --> every quota of its namespace
 *
 * A quota's status-only updates (admission charging it) do not queue it: recalculating from
 * informers that have not yet seen the objects just charged would hand their usage back.
 */
export async function startResourceQuotaController(
  opts: StartResourceQuotaControllerOptions,
): Promise<RunningController> {
  const quotas = opts.informers.informerFor(RESOURCE_QUOTAS);
  const pods = opts.informers.informerFor(PODS);
  const services = opts.informers.informerFor(SERVICES);
  const claims = opts.informers.informerFor(PVCS);
  const queue = new WorkQueue();
  const enqueueNamespace = (namespace: string) => {
    for (const q of quotas.list(namespace)) queue.add(keyOf(namespace, q.metadata.name ?? ''));
  };
  const ctrl = new ResourceQuotaController({
    client: opts.client,
    quotas,
    pods,
    services,
    claims,
    informers: opts.informers,
    onReleased: enqueueNamespace,
    log: opts.log.child({ controller: 'resourcequota' }),
    resyncMs: opts.resyncMs,
  });
  const quotaKey = (q: KubeObject) => keyOf(q.metadata.namespace ?? '', q.metadata.name ?? '');
  const quotaHandlers: InformerHandlers<KubeObject> = {
    onAdd: (q) => queue.add(quotaKey(q)),
    onUpdate: (old, q) => {
      const spec = (o: KubeObject) => (o as { spec?: unknown }).spec;
      const status = (o: KubeObject) => (o as { status?: { hard?: unknown; used?: unknown } }).status;
      if (!deepEqual(spec(old), spec(q)) || !status(q)?.hard || !status(q)?.used) queue.add(quotaKey(q));
    },
  };
  const replenish = (resource: string): InformerHandlers<KubeObject> => ({
    onUpdate: (old, obj) => {
      const namespace = obj.metadata.namespace ?? '';
      if (quotas.list(namespace).length > 0 && ctrl.releasedBy(resource, old, obj)) enqueueNamespace(namespace);
    },
    onDelete: (obj) => enqueueNamespace(obj.metadata.namespace ?? ''),
  });
  const observed = [
    { informer: quotas, handlers: quotaHandlers },
    { informer: pods, handlers: replenish('pods') },
    { informer: services, handlers: replenish('services') },
    { informer: claims, handlers: replenish('persistentvolumeclaims') },
  ];
  for (const { informer } of observed) informer.start();
  await Promise.all(observed.map(({ informer }) => informer.waitForSync()));
  return runController({
    name: 'resourcequota',
    log: opts.log,
    workers: opts.workers ?? 2,
    sources: [],
    observers: observed as { informer: typeof quotas; handlers: InformerHandlers<KubeObject> }[],
    queue,
    reconcile: ctrl.reconcile,
  });
}
