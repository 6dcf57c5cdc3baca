import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import {
  APPROVED,
  DENIED,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  kubeletClientProblem,
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
