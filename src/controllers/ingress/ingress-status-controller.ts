import type { Logger } from 'pino';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../api/object.js';
import { ingressServedBy } from '../../api/kinds/ingress-class.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { INGRESS_CLASSES, INGRESSES, NODES } from '../../machinery/resources/well-known.js';
import { nodeAddresses } from '../servicelb/lb-addresses.js';

export interface IngressStatusOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
}

const keyOf = (i: KubeObject): ObjectKey => ({ namespace: i.metadata.namespace ?? '', name: i.metadata.name ?? '' });

/**
 * status.loadBalancer.ingress of the Ingresses the built-in class serves: the InternalIPs of the
 * Ready nodes (every node runs the ingress proxy on its ports 80/443), as k3s's Traefik reports
 * its ServiceLB addresses. Ingresses of other classes are left to their controllers.
 *
 *   ingresses, ingress classes, nodes --> Ingress keys --> reconcile --> ingresses/status update when it differs
 */
export async function startIngressStatusController(opts: IngressStatusOptions): Promise<RunningController> {
  const ingresses = opts.informers.informerFor(INGRESSES, 'full');
  const classes = opts.informers.informerFor(INGRESS_CLASSES, 'full');
  const nodes = opts.informers.informerFor(NODES, 'full');
  const all = () => ingresses.list().map(keyOf);
  return runController({
    name: 'ingress-status',
    log: opts.log,
    workers: 1,
    sources: [
      { informer: ingresses },
      { informer: classes, keysFor: () => all() },
      { informer: nodes, keysFor: () => all() },
    ],
    reconcile: ingressStatusReconciler({ client: opts.client, ingresses, classes, nodes }),
  });
}

/** Reconciles one Ingress's status addresses. Exported for tests. Idempotent. */
export function ingressStatusReconciler(o: {
  client: KubeClient;
  ingresses: Informer<KubeObject & Ingress>;
  classes: Informer<KubeObject & IngressClass>;
  nodes: Informer<KubeObject & Node>;
}) {
  return async ({ namespace, name }: ObjectKey): Promise<void> => {
    const ing = o.ingresses.get(namespace, name);
    if (!ing) return;
    const ours = ingressServedBy(ing, o.classes.list());
    const have = (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
    // Another controller's Ingress: its status is that controller's business.
    if (!ours) return;
    const want = nodeAddresses(o.nodes.list());
    if (want.length === have.length && want.every((ip, i) => ip === have[i])) return;
    const status = { ...(ing.status ?? {}), loadBalancer: want.length ? { ingress: want.map((ip) => ({ ip })) } : {} };
    await o.client.updateStatus(INGRESSES, namespace, { ...structuredClone(ing), status });
  };
}
