import type { Logger } from 'pino';
import { FLOTILLA_GATEWAY_CONTROLLER } from '../../api/gateway/index.js';
import { resolveGateways, type RouteKind } from '../../api/gateway/resolve.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { ClientError } from '../../machinery/client/client-error.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type RunningController } from '../../machinery/controller/controller.js';
import {
  GATEWAY_CLASSES,
  GATEWAYS,
  GRPC_ROUTES,
  HTTP_ROUTES,
  REFERENCE_GRANTS,
} from '../../machinery/resources/gateway-api.js';
import { NAMESPACES, NODES, SECRETS, SERVICES } from '../../machinery/resources/well-known.js';
import { nodeAddresses } from '../servicelb/lb-addresses.js';
import { planGatewayStatus } from './gateway-status-plan.js';

export interface GatewayStatusOptions {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
  /** spec.controllerName served (default flotilla.dev/gateway-controller). */
  controller?: string;
  now?: () => Date;
}

const ALL = { namespace: '', name: 'gateway-api' };

/**
 * Status of the Gateway API objects of the built-in GatewayClass controller: GatewayClass
 * Accepted, Gateway addresses/conditions/listeners, HTTPRoute and GRPCRoute parents. The routing
 * itself is every node's proxy (src/ingress), which resolves the same attachments.
 *
 *   classes, gateways, routes, grants, services, namespaces, TLS secrets, nodes
 *     --> one key --> resolveGateways (pure) --> planGatewayStatus (pure) --> status updates
 *
 * One key for everything: attachments and listener counts depend on all objects at once, and
 * there are few. A conflict (409) requeues. Resolves once the caches have synced.
 */
export async function startGatewayStatusController(opts: GatewayStatusOptions): Promise<RunningController> {
  const controller = opts.controller ?? FLOTILLA_GATEWAY_CONTROLLER;
  const inf = {
    classes: opts.informers.informerFor(GATEWAY_CLASSES, 'full'),
    gateways: opts.informers.informerFor(GATEWAYS, 'full'),
    httpRoutes: opts.informers.informerFor(HTTP_ROUTES, 'full'),
    grpcRoutes: opts.informers.informerFor(GRPC_ROUTES, 'full'),
    grants: opts.informers.informerFor(REFERENCE_GRANTS, 'full'),
    services: opts.informers.informerFor(SERVICES, 'full'),
    namespaces: opts.informers.informerFor(NAMESPACES, 'full'),
    secrets: opts.informers.informerFor(SECRETS, 'full'),
    nodes: opts.informers.informerFor(NODES, 'full'),
  };
  const now = opts.now ?? (() => new Date());
  const refs = {
    GatewayClass: GATEWAY_CLASSES,
    Gateway: GATEWAYS,
    HTTPRoute: HTTP_ROUTES,
    GRPCRoute: GRPC_ROUTES,
  };
  return runController({
    name: 'gateway-status',
    log: opts.log,
    workers: 1,
    sources: Object.values(inf).map((informer) => ({ informer, keysFor: () => [ALL] })),
    reconcile: async () => {
      const resolution = resolveGateways({
        classes: inf.classes.list(),
        gateways: inf.gateways.list(),
        httpRoutes: inf.httpRoutes.list(),
        grpcRoutes: inf.grpcRoutes.list(),
        grants: inf.grants.list(),
        services: inf.services.list(),
        namespaces: inf.namespaces.list(),
        secrets: inf.secrets.list().filter((s) => s.type === 'kubernetes.io/tls'),
        controller,
      });
      const routes = [
        ...inf.httpRoutes.list().map((route) => ({ kind: 'HTTPRoute' as RouteKind, route })),
        ...inf.grpcRoutes.list().map((route) => ({ kind: 'GRPCRoute' as RouteKind, route })),
      ];
      const writes = planGatewayStatus({
        resolution,
        classes: inf.classes.list(),
        routes,
        controller,
        addresses: nodeAddresses(inf.nodes.list()),
        now: now()
          .toISOString()
          .replace(/\.\d+Z$/, 'Z'),
      });
      let conflicts = 0;
      for (const w of writes) {
        const obj = w.object as KubeObject;
        try {
          await opts.client.updateStatus(refs[w.kind], obj.metadata.namespace ?? '', obj);
        } catch (err) {
          if (err instanceof ClientError && (err.code === 409 || err.code === 404)) conflicts++;
          else throw err;
        }
      }
      return conflicts ? { requeueAfterMs: 200 } : undefined;
    },
  });
}
