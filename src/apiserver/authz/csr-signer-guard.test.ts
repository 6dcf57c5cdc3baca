import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.js';
import { ApiError } from '../../api/errors.js';
import type { Attributes, Authorizer } from './authorizer.js';
import { checkCsrSignerPermission } from './csr-signer-guard.js';

const rt = { group: 'certificates.k8s.io', plural: 'certificatesigningrequests' };
const user = { name: 'bob', groups: ['system:authenticated'] };

/** Allows exactly the `verb signers/<name>` pairs given. */
function allowing(...pairs: string[]): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    authorize(a: Attributes) {
      const key = a.resourceRequest ? `${a.verb} ${a.resource}/${a.name}` : '';
      asked.push(key);
      return { decision: pairs.includes(key) ? 'allow' : 'noOpinion', reason: '' };
    },
    allowsEverything: false,
  } as Authorizer & { asked: string[] };
}

const csr = (certificate?: string): KubeObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'c1' },
  spec: { signerName: 'example.com/issuer' },
  status: certificate ? { certificate } : {},
});

test('approval needs approve on the signer or on <domain>/*', () => {
  const byName = allowing('approve signers/example.com/issuer');
  checkCsrSignerPermission(byName, user, rt, 'approval', csr(), csr());
  const byDomain = allowing('approve signers/example.com/*');
  checkCsrSignerPermission(byDomain, user, rt, 'approval', csr(), csr());
  assert.deepEqual(byDomain.asked, ['approve signers/example.com/issuer', 'approve signers/example.com/*']);
  assert.throws(
    () => checkCsrSignerPermission(allowing(), user, rt, 'approval', csr(), csr()),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 403 &&
      e.message ===
        'certificatesigningrequests.certificates.k8s.io "c1" is forbidden: user not permitted to approve requests with signerName "example.com/issuer"',
  );
});

test('a status write needs sign only when it sets or changes the certificate', () => {
  const none = allowing();
  checkCsrSignerPermission(none, user, rt, 'status', csr(), csr());
  checkCsrSignerPermission(none, user, rt, 'status', csr('Y2VydA=='), csr('Y2VydA=='));
  checkCsrSignerPermission(none, user, rt, '', csr('Y2VydA=='), csr());
  assert.throws(
    () => checkCsrSignerPermission(none, user, rt, 'status', csr('Y2VydA=='), csr()),
    /not permitted to sign/,
  );
  checkCsrSignerPermission(allowing('sign signers/example.com/issuer'), user, rt, 'status', csr('Y2VydA=='), csr());
  // Other resources are not looked at.
  checkCsrSignerPermission(none, user, { group: '', plural: 'pods' }, 'status', csr('x'), csr());
});
