/**
 * The node's L7 data plane: Ingresses of the `flotilla` IngressClass served by one HAProxy per node.
 *
 *   Ingress / IngressClass / Service / EndpointSlice / TLS Secret informers
 *     --> buildModel (pure: hosts, paths, backends with pod endpoints, certificates)
 *     --> slot tables (pure: endpoints keep their `server sN` slot)
 *     --> same structure: `set server` on the runtime API | else haproxy.cfg + seamless reload
 *     --> HAProxy (master-worker): ports 80/443 (SNI picks the certificate), /metrics (Prometheus)
 */
export {
  startIngress,
  stopIngressLeftover,
  type StartIngressOptions,
  type RunningIngress,
  type IngressStats,
} from './start-ingress.js';
export {
  buildModel,
  routeRequest,
  pathMatches,
  hostMatches,
  type ProxyModel,
  type BackendModel,
  type ModelInputs,
} from './ingress-model.js';
export { renderConfig, renderCrtList, NOT_FOUND_BACKEND, type ListenOptions } from './haproxy-config.js';
export { startHaproxy, runtimeCommand, type HaproxyProcess } from './haproxy-process.js';
