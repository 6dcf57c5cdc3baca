import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import pino from 'pino';
import { issueCa, issueLeaf, type IssuedCert } from '../../machinery/pki/issue-certs.js';
import { startAgentServer } from './agent-server.js';

const log = pino({ level: 'silent' });

/** The serial of the certificate served for `servername`, verified against `ca`; rejects when the handshake fails. */
function servedSerial(port: number, servername: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca }, () => {
      resolve(new X509Certificate(socket.getPeerX509Certificate()?.raw ?? Buffer.alloc(0)).serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

const leafFor = (ca: IssuedCert, node: string) =>
  issueLeaf(ca, { subject: `CN=system:node:${node}`, usage: 'server', names: { dns: [node], ips: [] }, validDays: 1 });
const serial = (pem: string) => new X509Certificate(pem).serialNumber;

test('no certificate: handshakes fail; setCertificate serves it and swaps it for new connections', async () => {
  const ca = await issueCa(1);
  const server = await startAgentServer({ nodeName: 'n1', nodeIP: '127.0.0.1', host: '127.0.0.1', port: 0, log });
  try {
    await assert.rejects(servedSerial(server.port, 'n1', ca.cert));
    const first = await leafFor(ca, 'n1');
    server.setCertificate({ certPem: first.cert, keyPem: first.key });
    assert.equal(await servedSerial(server.port, 'n1', ca.cert), serial(first.cert));
    const second = await leafFor(ca, 'n1');
    server.setCertificate({ certPem: second.cert, keyPem: second.key });
    assert.equal(await servedSerial(server.port, 'n1', ca.cert), serial(second.cert));
  } finally {
    await server.close();
  }
});

test('perNodeCertificate: each SNI name gets its own certificate, asked once, again after a failure', async () => {
  const ca = await issueCa(1);
  const asked: string[] = [];
  let failNext = true;
  const server = await startAgentServer({
    nodeName: 'hollow-stats',
    nodeIP: '127.0.0.1',
    host: '127.0.0.1',
    port: 0,
    log,
    perNodeCertificate: async (name) => {
      asked.push(name);
      if (name === 'n2' && failNext) {
        failNext = false;
        throw new Error('not approved yet');
      }
      const leaf = await leafFor(ca, name);
      return { certPem: leaf.cert, keyPem: leaf.key };
    },
  });
  try {
    const a = await servedSerial(server.port, 'n1', ca.cert);
    assert.equal(await servedSerial(server.port, 'n1', ca.cert), a);
    await assert.rejects(servedSerial(server.port, 'n2', ca.cert));
    const b = await servedSerial(server.port, 'n2', ca.cert);
    assert.notEqual(a, b);
    assert.deepEqual(asked, ['n1', 'n2', 'n2']);
  } finally {
    await server.close();
  }
});
