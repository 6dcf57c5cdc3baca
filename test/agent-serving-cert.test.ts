/**
 * The agent's serving certificate from the certificates API, with `--authorization-mode Node,RBAC`
 * and a real agent on a node certificate: the agent asks for a kubelet-serving certificate for its
 * own name and Node address, the server's approver approves it (real kubectl shows it Approved and
 * Issued), the agent serves it (cluster CA, CN system:node:<name>, the InternalIP) and the API
 * server's logs and exec go through it; a renewal swaps the certificate without a restart (a
 * `kubectl logs -f` open across it keeps streaming, new connections get the new certificate); a
 * restarted agent reuses the stored one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { CSRS, PODS } from '../src/machinery/resources/well-known.js';
import { kubectlBinary } from './helpers/kubectl.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';

let node: RealNode;
let admin: KubeClient;

before(async () => {
  node = await startRealNode({
    name: 'servingcert',
    server: { extraArgs: ['--authorization-mode', 'Node,RBAC'] },
    credentials: 'node-certificate',
    // The shortest certificate a request may ask for (10 minutes).
    agent: { proxy: false, dns: false, serverPort: 0, servingCertificate: { expirationSeconds: 600 } },
  });
  admin = createClient({ server: node.server.url, caPem: node.server.caPem, token: node.server.token });
  await admin.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ticker' },
    spec: {
      nodeName: node.nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: 'busybox',
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'],
        },
      ],
    },
  });
  await node.waitForPod('ticker', (p) => p.status?.phase === 'Running', 60_000);
});

after(async () => {
  await admin?.close();
  await node?.stop();
});

/** The certificate the agent presents now, verified against the cluster CA and the node's name. */
function servedCertificate(): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port: node.agent.server.port, servername: node.nodeName, ca: node.server.caPem },
      () => {
        resolve(new X509Certificate(socket.getPeerX509Certificate()?.raw ?? Buffer.alloc(0)));
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

/** The node's kubelet-serving requests, oldest first. */
async function servingRequests() {
  const list = await admin.list(CSRS, '');
  return list.items
    .filter(
      (c) =>
        c.spec.signerName === 'kubernetes.io/kubelet-serving' && c.spec.username === `system:node:${node.nodeName}`,
    )
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
}

test("the agent serves a kubelet-serving certificate from the cluster CA, approved for the node's own addresses", async () => {
  const [csr, ...more] = await servingRequests();
  assert.ok(csr, 'the agent made a kubelet-serving request');
  assert.equal(more.length, 0);
  const approved = csr.status?.conditions?.find((c) => c.type === 'Approved');
  assert.deepEqual([approved?.status, approved?.reason], ['True', 'AutoApproved']);
  const row = await node.kubectl(['get', 'csr', csr.metadata.name ?? '', '--no-headers']);
  assert.match(row, /kubernetes\.io\/kubelet-serving/);
  assert.match(row, /Approved,Issued/);

  const served = await servedCertificate();
  const ca = new X509Certificate(node.server.caPem);
  assert.ok(served.verify(ca.publicKey), 'signed by the cluster CA');
  assert.match(served.subject, new RegExp(`CN=system:node:${node.nodeName}`));
  assert.match(served.subject, /O=system:nodes/);
  assert.match(served.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(served.subjectAltName ?? '', new RegExp(`DNS:${node.nodeName}`));
  assert.ok(Date.parse(served.validTo) - Date.now() <= 600_000, `10 minutes as requested: ${served.validTo}`);
  // Stored (with its key) in the data dir.
  const stored = await readFile(join(node.dataDir, 'pki', 'node-serving.pem'), 'utf8');
  assert.equal(new X509Certificate(stored).serialNumber, served.serialNumber);
});

test('kubectl logs and exec go through the CSR-issued certificate', async () => {
  assert.match(await node.kubectl(['logs', 'ticker', '--tail=1']), /tick \d+/);
  assert.equal((await node.kubectl(['exec', 'ticker', '--', 'echo', 'exec ok'])).trim(), 'exec ok');
});

test('a renewal swaps the certificate without a restart; an open logs -f keeps streaming', async () => {
  const before = await servedCertificate();
  const port = node.agent.server.port;
  // A follow stream open across the renewal.
  const follow = spawn(kubectlBinary(), ['--kubeconfig', node.server.kubeconfig, 'logs', '-f', 'ticker', '--tail=1']);
  let out = '';
  follow.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  try {
    const waitFor = (re: RegExp, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const t0 = Date.now();
        const check = () => {
          if (re.test(out)) return resolve();
          if (Date.now() - t0 > ms || follow.exitCode !== null)
            return reject(new Error(`logs -f: no ${re} in ${JSON.stringify(out.slice(-200))}`));
          setTimeout(check, 50);
        };
        check();
      });
    await waitFor(/tick \d+/, 30_000);
    const cert = node.agent.servingCertificate.certificate();
    assert.ok(cert);
    await cert.renewOnce(node.client);
    const mark = out.length;
    const after = await servedCertificate();
    assert.notEqual(after.serialNumber, before.serialNumber, 'new connections get the new certificate');
    assert.equal(node.agent.server.port, port, 'the same server');
    assert.ok(Date.parse(after.validFrom) >= Date.parse(before.validFrom));
    const requests = await servingRequests();
    assert.equal(requests.length, 2);
    assert.equal(requests[1]?.status?.conditions?.find((c) => c.type === 'Approved')?.reason, 'AutoApproved');
    // The stream opened before the renewal goes on.
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const check = () => {
        if (/tick \d+/.test(out.slice(mark))) return resolve();
        if (Date.now() - t0 > 15_000 || follow.exitCode !== null) return reject(new Error('logs -f stopped'));
        setTimeout(check, 50);
      };
      check();
    });
  } finally {
    follow.kill();
  }
  assert.match(await node.kubectl(['logs', 'ticker', '--tail=1']), /tick \d+/);
  assert.equal((await node.kubectl(['exec', 'ticker', '--', 'echo', 'after renewal'])).trim(), 'after renewal');
});

test('a restarted agent reuses its stored certificate', async () => {
  const served = await servedCertificate();
  const requests = (await servingRequests()).length;
  await node.restartAgent();
  assert.equal((await servedCertificate()).serialNumber, served.serialNumber);
  assert.equal((await servingRequests()).length, requests, 'no new request');
  assert.match(await node.kubectl(['logs', 'ticker', '--tail=1']), /tick \d+/);
});
