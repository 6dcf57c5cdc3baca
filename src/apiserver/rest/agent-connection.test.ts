import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { issueCa, issueLeaf } from '../../machinery/pki/issue-certs.js';
import { agentIdentityError, agentTlsOptions } from './agent-connection.js';

/** The parts of a peer certificate that checkServerIdentity reads, from a PEM. */
function peer(pem: string): PeerCertificate {
  const x = new X509Certificate(pem);
  const cn = /CN=([^\n]+)/.exec(x.subject)?.[1];
  return { subject: { CN: cn }, subjectaltname: x.subjectAltName } as unknown as PeerCertificate;
}

test('an agent certificate must name the node (CN) and be valid for its InternalIP', async () => {
  const ca = await issueCa(1);
  const n1 = await issueLeaf(ca, {
    subject: 'CN=system:node:n1',
    usage: 'server',
    names: { dns: ['n1'], ips: ['10.0.0.1'] },
    validDays: 1,
  });
  assert.equal(agentIdentityError('n1', '10.0.0.1', peer(n1.cert)), undefined);
  assert.match(
    String(agentIdentityError('n2', '10.0.0.1', peer(n1.cert))),
    /is for "system:node:n1", not for node "n2"/,
  );
  // The node's own certificate does not serve for another address (the Node's InternalIP is checked).
  assert.match(
    String(agentIdentityError('n1', '10.0.0.2', peer(n1.cert))),
    /IP: 10\.0\.0\.2 is not in the cert's list/,
  );
  // A certificate whose CN claims n2 but whose names do not include its address is refused too.
  const mixed = await issueLeaf(ca, {
    subject: 'CN=system:node:n2',
    usage: 'server',
    names: { dns: ['n2'], ips: ['10.0.0.1'] },
    validDays: 1,
  });
  assert.ok(agentIdentityError('n2', '10.0.0.9', peer(mixed.cert)));
});

test('TLS options: the given CA, SNI with the node name, identity checked against the address', async () => {
  const ca = await issueCa(1);
  const n1 = await issueLeaf(ca, {
    subject: 'CN=system:node:n1',
    usage: 'server',
    names: { dns: ['n1'], ips: ['10.0.0.1'] },
    validDays: 1,
  });
  const o = agentTlsOptions({ nodeName: 'n1', caPem: ca.cert, clientTls: { cert: 'C', key: 'K' } }, '10.0.0.1');
  assert.deepEqual([o.ca, o.servername, o.cert, o.key], [ca.cert, 'n1', 'C', 'K']);
  // Whatever name the TLS layer passes (the SNI), the address is what counts.
  assert.equal(o.checkServerIdentity('n1', peer(n1.cert)), undefined);
  const other = agentTlsOptions({ nodeName: 'n1', caPem: ca.cert }, '10.0.0.7');
  assert.ok(other.checkServerIdentity('n1', peer(n1.cert)));
});
