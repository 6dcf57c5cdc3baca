import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { issueCa } from './issue-certs.js';
import {
  createCertificateRequest,
  InvalidRequestError,
  parseCertificateRequest,
  signCertificateRequest,
} from './certificate-requests.js';

test('a request round-trips: subject, organizations and alternative names', async () => {
  const { csr, key } = await createCertificateRequest({
    commonName: 'system:node:n1',
    organizations: ['system:nodes'],
    dnsNames: ['n1.local'],
    ipAddresses: ['10.0.0.7'],
  });
  assert.match(key, /BEGIN PRIVATE KEY/);
  assert.deepEqual(await parseCertificateRequest(csr), {
    commonName: 'system:node:n1',
    organizations: ['system:nodes'],
    dnsNames: ['n1.local'],
    ipAddresses: ['10.0.0.7'],
    emailAddresses: [],
    uris: [],
  });
});

test('a request that is not PEM, or whose signature does not verify, is refused', async () => {
  await assert.rejects(parseCertificateRequest('hello'), (e: unknown) => {
    return e instanceof InvalidRequestError && e.message === 'PEM block type must be CERTIFICATE REQUEST';
  });
  const { csr } = await createCertificateRequest({ commonName: 'x' });
  // Flip one bit of the signature (the last bytes of the DER).
  const der = Buffer.from(csr.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 2] = (der[der.length - 2] ?? 0) ^ 1;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  await assert.rejects(parseCertificateRequest(tampered), InvalidRequestError);
});

test('signing: the request subject and names, the usages asked, backdated, capped by the CA', async () => {
  const ca = await issueCa(1);
  const { csr } = await createCertificateRequest({ commonName: 'alice', organizations: ['dev'], dnsNames: ['a'] });
  // Certificates keep whole seconds: a now without milliseconds compares exactly.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const pem = await signCertificateRequest(ca, csr, {
    usages: ['digital signature', 'client auth'],
    ttlMs: 3_600_000,
    now,
  });
  const x = new X509Certificate(pem);
  assert.equal(x.subject, 'CN=alice\nO=dev');
  assert.equal(x.subjectAltName, 'DNS:a');
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.ok(x.checkIssued(new X509Certificate(ca.cert)));
  assert.equal(Math.round((Date.parse(x.validTo) - now.getTime()) / 1000), 3600);
  assert.equal(Math.round((now.getTime() - Date.parse(x.validFrom)) / 1000), 300);
  // A validity beyond the CA's ends with the CA.
  const long = new X509Certificate(
    await signCertificateRequest(ca, csr, { usages: ['client auth'], ttlMs: 10 * 86_400_000, now }),
  );
  assert.equal(long.validTo, new X509Certificate(ca.cert).validTo);
});
