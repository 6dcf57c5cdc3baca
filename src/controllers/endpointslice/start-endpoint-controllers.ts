import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import { EndpointsController } from './endpoints-controller.js';
import { EndpointSliceController } from './endpointslice-controller.js';
import { ENDPOINTS, ENDPOINT_SLICES, NODES, PODS, SERVICES } from '../../machinery/resources/well-known.js';

export interface StartEndpointControllersOptions {
  /** The EndpointSlice controller's client. */
  client: KubeClient;
  /** The Endpoints controller's client (its own user in Kubernetes); default `client`. */
  endpointsClient?: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** Workers of each controller (default 5, as kube-controller-manager's --concurrent-*-syncs). */
  workers?: number;
}

/**
 * Runs the EndpointSlice and Endpoints controllers over the shared informers (services, pods,
 * endpointslices, endpoints: full; nodes: metadata, for zones). Pod events map to the Services that
 * select the pod now or listed it last. Informers are started by the caller (or by runController).
 * Resolves once the caches have synced.
 */
export async function startEndpointControllers(opts: StartEndpointControllersOptions): Promise<RunningController[]> {
  const services = opts.informers.informerFor(SERVICES, 'full');
  const pods = opts.informers.informerFor(PODS, 'full');
  const slices = opts.informers.informerFor(ENDPOINT_SLICES, 'full');
  const endpoints = opts.informers.informerFor(ENDPOINTS, 'full');
  const nodes = opts.informers.informerFor(NODES, 'metadata');
  const sliceCtrl = new EndpointSliceController({
    client: opts.client,
    services,
    pods,
    slices,
    nodes,
    log: opts.log.child({ controller: 'endpointslice' }),
  });
  const epCtrl = new EndpointsController({ client: opts.endpointsClient ?? opts.client, services, pods, endpoints });
  const workers = opts.workers ?? 5;
  return Promise.all([
    runController({
      name: 'endpointslice',
      log: opts.log,
      workers,
      reconcile: sliceCtrl.reconcile,
      sources: [
        { informer: services },
        { informer: pods, keysFor: sliceCtrl.keysForPod },
        { informer: slices, keysFor: sliceCtrl.keysForSlice },
      ],
    }),
    runController({
      name: 'endpoints',
      log: opts.log,
      workers,
      reconcile: epCtrl.reconcile,
      sources: [{ informer: services }, { informer: pods, keysFor: sliceCtrl.keysForPod }, { informer: endpoints }],
    }),
  ]);
}
