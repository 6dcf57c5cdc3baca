import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { issueCa, issueLeaf } from '../../machinery/pki/issue-certs.js';
import { agentIdentityError, agentServingCa } from './agent-connection.js';

/** The parts of a peer certificate that checkServerIdentity reads, from a PEM. */
function peer(pem: string): PeerCertificate {
  const x = new X509Certificate(pem);
  const cn = /CN=([^\n]+)/.exec(x.subject)?.[1];
  return { subject: { CN: cn }, subjectaltname: x.subjectAltName } as unknown as PeerCertificate;
}

test('an agent certificate must name the node it is reached for (CN and SAN)', async () => {
  const ca = await issueCa(1);
  const n1 = await issueLeaf(ca, {
    subject: 'CN=system:node:n1',
    usage: 'server',
    names: { dns: ['n1', 'localhost'], ips: ['127.0.0.1'] },
    validDays: 1,
  });
  assert.equal(agentIdentityError('n1', 'n1', peer(n1.cert)), undefined);
  assert.match(String(agentIdentityError('n2', 'n2', peer(n1.cert))), /is for "system:node:n1", not for node "n2"/);
  // A certificate whose CN claims n2 but whose names do not include it is refused too.
  const mixed = await issueLeaf(ca, {
    subject: 'CN=system:node:n2',
    usage: 'server',
    names: { dns: ['n1'], ips: [] },
    validDays: 1,
  });
  assert.ok(agentIdentityError('n2', 'n2', peer(mixed.cert)));
});

test('the serving CA comes from the Node annotation, only when it holds a certificate', () => {
  const node = (v?: string) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'n1',
      annotations: (v === undefined ? {} : { 'flotilla.dev/agent-serving-ca': v }) as Record<string, string>,
    },
  });
  assert.equal(agentServingCa(node()), undefined);
  assert.equal(agentServingCa(node('junk')), undefined);
  const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  assert.equal(agentServingCa(node(pem)), pem);
});
