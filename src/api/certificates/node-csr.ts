import { NODE_USER_PREFIX, NODES_GROUP } from './signers.js';

/** What the node checks read of a parsed certificate request (machinery/pki parseCertificateRequest). */
export interface RequestSubject {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};

// Usages a kubelet client request carries: with an RSA key also `key encipherment` (helpers.go).
const CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const CLIENT_USAGES_NO_RSA = ['digital signature', 'client auth'];
const SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];

/**
 * Why a request is not a kubelet client certificate request, or undefined when it is
 * (certificates.ValidateKubeletClientCSR): O exactly system:nodes, CN system:node:<name>, no
 * subject alternative names, usages exactly digital signature + client auth (+ key encipherment).
 * The texts are Kubernetes' (the signer writes them into its Failed condition).
 */
export function kubeletClientProblem(req: RequestSubject, usages: readonly string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== NODES_GROUP)
    return 'subject organization is not system:nodes';
  if (req.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, CLIENT_USAGES) && !sameSet(usages, CLIENT_USAGES_NO_RSA))
    return `usages did not match [${CLIENT_USAGES.join(' ')}]`;
  return undefined;
}

/**
 * Why a request is not a kubelet serving certificate request, or undefined when it is
 * (certificates.ValidateKubeletServingCSR): O system:nodes, CN system:node:<name>, at least one DNS
 * or IP name, no email or URI names, usages digital signature + server auth (+ key encipherment).
 */
export function kubeletServingProblem(req: RequestSubject, usages: readonly string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== NODES_GROUP)
    return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, SERVING_USAGES) && !sameSet(usages, SERVING_USAGES_NO_RSA))
    return `usages did not match [${SERVING_USAGES.join(' ')}]`;
  return undefined;
}

/**
 * Why usages do not fit a kube-apiserver client certificate, or undefined when they do
 * (the signer's validAPIServerClientUsages): client auth required; digital signature and key
 * encipherment optional; nothing else.
 */
export function apiServerClientUsagesProblem(usages: readonly string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') clientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment') return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : 'missing required usage for client certificate: client auth';
}

/** The addresses of a Node's status (core/v1 NodeAddress). */
export interface NodeAddressLike {
  type: string;
  address: string;
}

/** Address types whose values a serving certificate may name as DNS names, and as IP addresses. */
const DNS_ADDRESS_TYPES = new Set(['Hostname', 'InternalDNS', 'ExternalDNS']);
const IP_ADDRESS_TYPES = new Set(['InternalIP', 'ExternalIP']);

/**
 * Why a node's kubelet-serving request names something that is not its own, or undefined when every
 * name is: each DNS name is the node's name or one of its Hostname/InternalDNS/ExternalDNS addresses,
 * each IP address one of its InternalIP/ExternalIP addresses (as the Node object says). Kubernetes
 * leaves kubelet-serving requests to an administrator or an external approver; this is the check
 * Flotilla's approver makes before it approves one (the requester must be the node itself too).
 */
export function kubeletServingNamesProblem(
  req: Pick<RequestSubject, 'dnsNames' | 'ipAddresses'>,
  nodeName: string,
  addresses: readonly NodeAddressLike[],
): string | undefined {
  const dns = new Set([nodeName.toLowerCase()]);
  const ips = new Set<string>();
  for (const a of addresses) {
    if (DNS_ADDRESS_TYPES.has(a.type)) dns.add(a.address.toLowerCase());
    else if (IP_ADDRESS_TYPES.has(a.type)) ips.add(a.address.toLowerCase());
  }
  const badDns = req.dnsNames.find((n) => !dns.has(n.toLowerCase()));
  if (badDns !== undefined) return `DNS subjectAltName ${badDns} is not an address of node ${nodeName}`;
  const badIp = req.ipAddresses.find((ip) => !ips.has(ip.toLowerCase()));
  if (badIp !== undefined) return `IP subjectAltName ${badIp} is not an address of node ${nodeName}`;
  return undefined;
}
