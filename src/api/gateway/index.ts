/**
 * Knowledge about the Gateway API objects (gateway.networking.k8s.io) shared by the API server
 * (CRDs at start), the status controller and the node's proxy: the CRDs, the built-in class, and
 * the pure resolution of which routes attach to which listeners.
 */
export { gatewayApiCrds, GATEWAY_GROUP, GATEWAY_API_BUNDLE_VERSION } from './crds.js';

/** The GatewayClass every cluster has (created at start); its Gateways are served by every node's proxy. */
export const FLOTILLA_GATEWAY_CLASS = 'flotilla';
/** spec.controllerName of the classes Flotilla serves. */
export const FLOTILLA_GATEWAY_CONTROLLER = 'flotilla.dev/gateway-controller';
