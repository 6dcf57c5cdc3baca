/**
 * The parts of the proxy model shared by the Ingress and Gateway API models (ingress-model.ts,
 * gateway-model.ts) and the renderers.
 */

/** One server of a backend: a pod address (EndpointSlices directly, never the ClusterIP). */
export interface Endpoint {
  ip: string;
  port: number;
  /** HAProxy server weight (0-256; undefined: HAProxy's default): weighted HTTPRoute backendRefs. */
  weight?: number;
}

/** One HAProxy backend: an Ingress's use of one Service port (so metrics are per Ingress and Service). */
export interface BackendModel {
  /** HAProxy backend name, `<ns>_<ingress>_<service>_<port>`. */
  name: string;
  namespace: string;
  ingress: string;
  service: string;
  /** The Service port as the Ingress names it (number or name). */
  port: number | string;
  /** Ready endpoints, sorted; serving-terminating ones only when none is ready. Empty: 503. */
  endpoints: Endpoint[];
  /** `h2`: the servers speak HTTP/2 in clear text (gRPC backends of GRPCRoutes). */
  proto?: 'h2';
  /** Server timeout (an HTTPRoute rule's timeouts), ms; undefined: the defaults section's. */
  timeoutMs?: number;
}

/** A certificate served for the SNI names `hosts` (empty: the names in the certificate). */
export interface CertModel {
  /** File name stem, `<ns>_<secret>`. */
  name: string;
  /** Certificate chain then key, PEM. */
  pem: string;
  hosts: string[];
}
