import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { KUBE_APISERVER_CLIENT_SIGNER } from '../../api/certificates/signers.js';
import { errors, fieldErrors } from '../../api/errors.js';
import { requestPem } from '../../api/kinds/certificate-signing-request.js';
import type { AdmissionPlugin } from './plugin.js';

/**
 * Checks a new CertificateSigningRequest's PEM request as Kubernetes' validation does (the DER
 * parses, the self-signature verifies: 422 on spec.request otherwise), then Kubernetes'
 * CertificateSubjectRestriction: no `kubernetes.io/kube-apiserver-client` certificate for the
 * `system:masters` group (403). The X.509 parser is imported on the first request, not at start.
 */
export const certificateSigningRequestAdmission: AdmissionPlugin = {
  name: 'CertificateSubjectRestriction',
  kind: 'validating',
  pure: false,
  handles: (rt, operation) =>
    operation === 'create' && rt.group === 'certificates.k8s.io' && rt.kind === 'CertificateSigningRequest',
  async admit(_operation, rt, obj) {
    const csr = obj as unknown as CertificateSigningRequest;
    const name = obj.metadata.name ?? '';
    const { parseCertificateRequest, InvalidRequestError } = await import(
      '../../machinery/pki/certificate-requests.js'
    );
    let organizations: string[];
    try {
      organizations = (await parseCertificateRequest(requestPem(csr))).organizations;
    } catch (e) {
      if (!(e instanceof InvalidRequestError)) throw e;
      throw errors.invalid(rt.kind, name, [fieldErrors.invalid('spec.request', '<request data>', e.message)], rt.group);
    }
    if (csr.spec.signerName === KUBE_APISERVER_CLIENT_SIGNER && organizations.includes('system:masters'))
      throw errors.forbidden(
        `${rt.plural}.${rt.group} "${name}" is forbidden: use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`,
      );
  },
};
