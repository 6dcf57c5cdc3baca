/**
 * Certificates a node gets through the certificates.k8s.io API: its client certificate
 * (bootstrapped with the join token, renewed before expiry) and any other certificate it requests.
 */
export {
  NodeClientCertificate,
  NODE_CLIENT_CERT_FILE,
  nodeClientRequest,
  parseStoredPair,
  usablePair,
  type NodeClientCertificateOptions,
} from './node-client-certificate.js';
export { renewalTime, scheduleRenewals } from './renewal-schedule.js';
export {
  CertificateRequestError,
  requestCertificate,
  type CertificateRequestSpec,
  type RequestCertificateOptions,
} from './request-certificate.js';
export {
  approveOwnRequest,
  certificateNames,
  NODE_SERVING_CERT_FILE,
  keepServingCertificate,
  NodeServingCertificate,
  nodeServingRequest,
  servingNamesOf,
  usableServingPair,
  type NodeServingCertificateOptions,
  type ServingCertificateKeeper,
  type ServingCertificateNames,
} from './node-serving-certificate.js';
