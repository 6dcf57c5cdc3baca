import type { Logger } from 'pino';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { chooseIngress, currentIngress, isOurLoadBalancer } from './lb-addresses.js';
import { NODES, SERVICES } from '../../machinery/resources/well-known.js';

export interface ServiceLbOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Addresses handed out (parseLbPool). Empty: every LoadBalancer gets the Ready nodes' InternalIPs. */
  pool?: string[];
}

/**
 * The built-in LoadBalancer provider: writes `status.loadBalancer.ingress` of each LoadBalancer
 * Service (no loadBalancerClass) from the pool or the node addresses; every node's proxy then
 * DNATs those addresses (src/proxy). A Service that stops being a LoadBalancer loses its ingress.
 *
 *   services, nodes --> keys of LoadBalancer Services --> 1 worker (no two Services pick one address at once)
 *     --> chooseIngress (pure) --> services/status update when it differs
 */
export async function startServiceLbController(opts: ServiceLbOptions): Promise<RunningController> {
  const services = opts.informers.informerFor(SERVICES, 'full');
  const nodes = opts.informers.informerFor(NODES, 'full');
  const pool = opts.pool ?? [];
  const lbKeys = (): ObjectKey[] =>
    services
      .list()
      .filter(isOurLoadBalancer)
      .map((s) => ({ namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '' }));
  return runController({
    name: 'servicelb',
    log: opts.log,
    workers: 1,
    // A Service event can free or take an address others wait for: look at all LoadBalancers again (cheap, few).
    sources: [
      {
        informer: services,
        keysFor: (s) => [{ namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '' }, ...lbKeys()],
      },
      ...(pool.length ? [] : [{ informer: nodes, keysFor: () => lbKeys() }]),
    ],
    reconcile: serviceLbReconciler({ client: opts.client, services, nodes, pool }),
  });
}

/** Reconciles one Service's ingress. Exported for tests (FakeClient + informers). */
export function serviceLbReconciler(o: {
  client: KubeClient;
  services: Informer<KubeObject & Service>;
  nodes: Informer<KubeObject & Node>;
  pool: string[];
}) {
  return async ({ namespace, name }: ObjectKey): Promise<void> => {
    const svc = o.services.get(namespace, name);
    if (!svc) return;
    const have = currentIngress(svc);
    const want = isOurLoadBalancer(svc)
      ? chooseIngress(svc, o.services.list(), o.pool, o.nodes.list())
      : svc.spec?.type === 'LoadBalancer'
        ? have
        : [];
    if (
      want.length === have.length &&
      want.every((ip, i) => ip === have[i]) &&
      (want.length || !svc.status?.loadBalancer?.ingress)
    )
      return;
    const status = { ...(svc.status ?? {}), loadBalancer: want.length ? { ingress: want.map((ip) => ({ ip })) } : {} };
    await o.client.updateStatus(SERVICES, namespace, { ...structuredClone(svc), status });
  };
}
