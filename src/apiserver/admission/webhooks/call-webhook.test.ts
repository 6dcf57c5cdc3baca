import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueCa, issueLeaf, type IssuedCert } from '../../../machinery/pki/issue-certs.js';
import { CallFailed, postJson, type WebhookTarget } from './call-webhook.js';

let ca: IssuedCert;
let otherCa: IssuedCert;
let server: Server;
let port = 0;
const remotePorts = new Set<number>();

before(async () => {
  ca = await issueCa(1);
  otherCa = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=hook',
    usage: 'server',
    names: { dns: ['hook.ns.svc'], ips: ['127.0.0.1'] },
    validDays: 1,
  });
  server = createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
    remotePorts.add(req.socket.remotePort ?? 0);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = () => res.end(JSON.stringify({ echo: JSON.parse(Buffer.concat(chunks).toString()), url: req.url }));
      if (req.url?.startsWith('/slow')) setTimeout(reply, 1500);
      else if (req.url?.startsWith('/status')) {
        res.statusCode = 500;
        res.end();
      } else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const target = (path: string, serverName = 'hook.ns.svc'): WebhookTarget => {
  const urlText = `https://${serverName}:443${path}`;
  return { url: new URL(urlText), urlText, connectHost: '127.0.0.1', connectPort: port, serverName };
};

test('posts JSON to the endpoint, verified against the CA and the service name, with ?timeout', async () => {
  const reply = (await postJson(target('/a'), { x: 1 }, { caPem: ca.cert, timeoutSeconds: 5 })) as {
    echo: unknown;
    url: string;
  };
  assert.deepEqual(reply.echo, { x: 1 });
  assert.equal(reply.url, '/a?timeout=5s');
});

test('connections are kept for the next call', async () => {
  remotePorts.clear();
  for (let i = 0; i < 3; i++) await postJson(target('/k'), {}, { caPem: ca.cert, timeoutSeconds: 5 });
  assert.equal(remotePorts.size, 1);
});

test('another CA, a name the certificate lacks, a slow or failing webhook: CallFailed in Go words', async () => {
  await assert.rejects(postJson(target('/a'), {}, { caPem: otherCa.cert, timeoutSeconds: 5 }), (err: Error) => {
    assert.ok(err instanceof CallFailed);
    assert.equal(
      err.message,
      'Post "https://hook.ns.svc:443/a?timeout=5s": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    );
    return true;
  });
  await assert.rejects(
    postJson(target('/a', 'other.ns.svc'), {}, { caPem: ca.cert, timeoutSeconds: 5 }),
    (err: Error) => {
      assert.match(err.message, /x509: certificate is not valid for other\.ns\.svc/);
      return true;
    },
  );
  await assert.rejects(postJson(target('/slow'), {}, { caPem: ca.cert, timeoutSeconds: 1 }), (err: Error) => {
    assert.equal(err.message, 'Post "https://hook.ns.svc:443/slow?timeout=1s": context deadline exceeded');
    return true;
  });
  await assert.rejects(postJson(target('/status'), {}, { caPem: ca.cert, timeoutSeconds: 5 }), (err: Error) => {
    assert.equal(err.message, 'the server responded with the status code 500 but did not return more information');
    return true;
  });
  const dead: WebhookTarget = { ...target('/a'), connectPort: 1 };
  await assert.rejects(postJson(dead, {}, { caPem: ca.cert, timeoutSeconds: 5 }), (err: Error) => {
    assert.equal(
      err.message,
      'Post "https://hook.ns.svc:443/a?timeout=5s": dial tcp 127.0.0.1:1: connect: connection refused',
    );
    return true;
  });
});
