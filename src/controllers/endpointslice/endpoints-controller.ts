import type { Pod, Service, Endpoints } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import { endpointSubsets } from './endpoints-subsets.js';
import { isHeadless } from './pod-endpoints.js';
import { canonical } from './slice-plan.js';
import { HEADLESS_LABEL } from './endpointslice-controller.js';
import { isNamespaceTerminating } from './namespace-terminating.js';
import { ENDPOINTS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

type EndpointsObject = KubeObject & Endpoints;

export interface EndpointsControllerOptions {
  client: KubeClient;
  services: Informer<ObjectOf<Service>>;
  pods: Informer<ObjectOf<Pod>>;
  endpoints: Informer<ObjectOf<Endpoints>>;
}

/**
 * Kubernetes' endpoints controller: the legacy core/v1 Endpoints object of the same name as each
 * Service with a selector (subsets of ready and not-ready addresses with their ports, labels of
 * the Service plus the headless marker). Writes only when subsets or labels differ; deletes the
 * Endpoints of a deleted Service. Services without selector keep user-written Endpoints.
 */
export class EndpointsController {
  constructor(private readonly opts: EndpointsControllerOptions) {}

  /** Level-triggered sync of one Service's Endpoints. Idempotent; throws to retry. */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const svc = this.opts.services.get(namespace, name);
    const current = this.opts.endpoints.get(namespace, name);
    if (!svc) {
      if (current)
        await this.opts.client.delete(ENDPOINTS, namespace, name).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      return;
    }
    if (!svc.spec?.selector || svc.spec.type === 'ExternalName') return;
    const subsets = endpointSubsets(svc, this.opts.pods.list(namespace));
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    else delete labels[HEADLESS_LABEL];
    if (
      current &&
      canonical(current.subsets ?? []) === canonical(subsets) &&
      canonical(current.metadata.labels ?? {}) === canonical(labels)
    )
      return;
    try {
      if (current) {
        const body: EndpointsObject = {
          ...structuredClone(current),
          metadata: { ...structuredClone(current.metadata), labels },
          subsets,
        };
        await this.opts.client.update(ENDPOINTS, namespace, body);
      } else {
        await this.opts.client.create(ENDPOINTS, namespace, {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name, namespace, labels },
          subsets,
        });
      }
    } catch (err) {
      if (isNamespaceTerminating(err)) return;
      // The cache was behind: the Endpoints event brings the Service back; retry meanwhile.
      if (isConflict(err) || isAlreadyExists(err) || isNotFound(err))
        throw new Error(`endpoints ${namespace}/${name} changed meanwhile; resyncing`);
      throw err;
    }
  };
}
