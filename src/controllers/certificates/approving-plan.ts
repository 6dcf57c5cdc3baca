import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  APPROVED,
  DENIED,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBELET_SERVING_SIGNER,
  kubeletClientProblem,
  kubeletServingNamesProblem,
  kubeletServingProblem,
  NODE_USER_PREFIX,
  NODES_GROUP,
  type NodeAddressLike,
  type RequestSubject,
} from '../../api/certificates/index.js';

/** One kind of request the approver recognises and the permission its requester must hold. */
export interface Recognizer {
  /** The `certificatesigningrequests/<subresource>` create permission asked by SubjectAccessReview. */
  subresource: 'selfnodeclient' | 'nodeclient';
  recognize(csr: CertificateSigningRequest, req: RequestSubject): boolean;
  successMessage: string;
}

const isNodeClient = (csr: CertificateSigningRequest, req: RequestSubject): boolean =>
  csr.spec.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER &&
  kubeletClientProblem(req, csr.spec.usages ?? []) === undefined;

/**
 * Kubernetes' csrapproving recognisers, in its order: a node renewing its own client certificate
 * (the requester is the certificate's CN), then any node client certificate request (a bootstrap
 * identity asking for a node's first one).
 */
export const RECOGNIZERS: readonly Recognizer[] = [
  {
    subresource: 'selfnodeclient',
    recognize: (csr, req) => csr.spec.username === req.commonName && isNodeClient(csr, req),
    successMessage: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    subresource: 'nodeclient',
    recognize: isNodeClient,
    successMessage: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
];

/** Whether the approver should look at a request: not issued, neither approved nor denied yet. */
export function wantsApproval(csr: CertificateSigningRequest): boolean {
  if (csr.status?.certificate) return false;
  return !(csr.status?.conditions ?? []).some((c) => c.type === APPROVED || c.type === DENIED);
}

/** The Approved condition's message of a node's serving certificate request. */
export const NODE_SERVING_APPROVAL_MESSAGE =
  'Auto approving kubelet serving certificate: the requesting node asked for its own name and addresses.';

/** The node a kubelet-serving request comes from (its requester `system:node:<name>`), or undefined. */
export function servingRequestNode(csr: CertificateSigningRequest): string | undefined {
  if (csr.spec.signerName !== KUBELET_SERVING_SIGNER) return undefined;
  const user = csr.spec.username ?? '';
  if (!user.startsWith(NODE_USER_PREFIX) || !(csr.spec.groups ?? []).includes(NODES_GROUP)) return undefined;
  const name = user.slice(NODE_USER_PREFIX.length);
  return name === '' ? undefined : name;
}

/**
 * Why the approver leaves a kubelet-serving request alone whatever the Node says, or undefined
 * when it depends on the Node (servingNamesProblem). Kubernetes approves no kubelet-serving
 * request (an administrator or an external approver must); Flotilla approves, as k3s' server signs
 * its agents' serving certificates, exactly the requests a node makes for itself: requester
 * `system:node:<n>` in group system:nodes, CN the requester, a valid kubelet serving request, and
 * only names and addresses the Node object `n` carries.
 */
export function servingRequestProblem(csr: CertificateSigningRequest, req: RequestSubject): string | undefined {
  if (servingRequestNode(csr) === undefined) return 'the requester is not a node';
  if (req.commonName !== csr.spec.username) return 'the request is not for the requesting node';
  return kubeletServingProblem(req, csr.spec.usages ?? []);
}

/** Why the request names what Node `node` does not carry (`addresses` undefined: no such Node), or undefined. */
export function servingNamesProblem(
  req: RequestSubject,
  node: string,
  addresses: readonly NodeAddressLike[] | undefined,
): string | undefined {
  if (addresses === undefined) return `node ${node} not found`;
  return kubeletServingNamesProblem(req, node, addresses);
}
