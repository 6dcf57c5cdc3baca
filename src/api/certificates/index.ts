/**
 * certificates.k8s.io knowledge shared by the API server, the certificate controllers, the agent
 * and the CLI: signer names, key usages, condition helpers and the checks Kubernetes applies to
 * node client and serving requests (k8s.io/api/certificates/v1, pkg/apis/certificates/helpers.go).
 * Pure: parsing a request's DER is machinery/pki's job; these functions take its result.
 */
export * from './csr-conditions.js';
export * from './node-csr.js';
export * from './signers.js';
