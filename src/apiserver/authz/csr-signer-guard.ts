import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { Authorizer, AuthzUser } from './authorizer.js';

const CERTIFICATES = 'certificates.k8s.io';

/**
 * Whether `user` may `verb` (approve, sign) requests of `signerName`: the `signers` resource of
 * certificates.k8s.io by that name, or by `<domain>/*` (Kubernetes' IsAuthorizedForSignerName).
 */
export function authorizedForSigner(
  authorizer: Authorizer,
  user: AuthzUser,
  verb: string,
  signerName: string,
): boolean {
  const ask = (name: string) =>
    authorizer.authorize({
      resourceRequest: true,
      user,
      verb,
      apiGroup: CERTIFICATES,
      apiVersion: '*',
      resource: 'signers',
      subresource: '',
      namespace: '',
      name,
    }).decision === 'allow';
  if (ask(signerName)) return true;
  const slash = signerName.indexOf('/');
  return slash > 0 && ask(`${signerName.slice(0, slash)}/*`);
}

/**
 * Kubernetes' CertificateApproval and CertificateSigning admission for CertificateSigningRequest
 * updates: writing the `approval` subresource needs `approve` on the request's signer; a `status`
 * write that sets or changes status.certificate needs `sign`. Throws 403 worded as Kubernetes'.
 * `next` is the object as the strategy prepared it, `old` the stored one. Other writes pass.
 */
export function checkCsrSignerPermission(
  authorizer: Authorizer,
  user: AuthzUser,
  rt: Pick<ResourceType, 'group' | 'plural'>,
  subresource: string,
  next: KubeObject,
  old: KubeObject,
): void {
  if (rt.group !== CERTIFICATES || rt.plural !== 'certificatesigningrequests') return;
  const csr = next as unknown as CertificateSigningRequest;
  const signer = csr.spec?.signerName ?? '';
  const name = next.metadata.name ?? '';
  const deny = (verb: string) =>
    errors.forbidden(
      `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to ${verb} requests with signerName "${signer}"`,
    );
  if (subresource === 'approval' && !authorizedForSigner(authorizer, user, 'approve', signer)) throw deny('approve');
  const before = (old as unknown as CertificateSigningRequest).status?.certificate;
  if (
    subresource === 'status' &&
    csr.status?.certificate !== before &&
    !authorizedForSigner(authorizer, user, 'sign', signer)
  )
    throw deny('sign');
}
