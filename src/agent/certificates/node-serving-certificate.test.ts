import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { issueCa, issueLeaf } from '../../machinery/pki/issue-certs.js';
import { signCertificateRequest } from '../../machinery/pki/certificate-requests.js';
import type { ClientCertPair } from '../../machinery/client/http-transport.js';
import {
  certificateNames,
  keepServingCertificate,
  NODE_SERVING_CERT_FILE,
  NodeServingCertificate,
  servingNamesOf,
  usableServingPair,
} from './node-serving-certificate.js';

const log = pino({ level: 'silent' });
const NAMES = { dnsNames: ['n1'], ipAddresses: ['10.0.0.1'] };

test('names from the Node addresses (as the kubelet) plus the node name; read back from a certificate', async () => {
  assert.deepEqual(
    servingNamesOf('n1', [
      { type: 'InternalIP', address: '10.0.0.1' },
      { type: 'Hostname', address: 'host-1' },
      { type: 'ExternalIP', address: '192.0.2.7' },
      { type: 'InternalDNS', address: 'n1.cluster.lan' },
      { type: 'Hostname', address: 'n1' },
    ]),
    { dnsNames: ['host-1', 'n1', 'n1.cluster.lan'], ipAddresses: ['10.0.0.1', '192.0.2.7'] },
  );
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=system:node:n1',
    usage: 'server',
    names: { dns: ['n1', 'a.lan'], ips: ['10.0.0.1'] },
    validDays: 1,
  });
  assert.deepEqual(certificateNames(leaf.cert), { dnsNames: ['a.lan', 'n1'], ipAddresses: ['10.0.0.1'] });
});

test('a stored pair is used only by its node, from its CA, for the same names, before it expires', async () => {
  const ca = await issueCa(2);
  const other = await issueCa(2);
  const leaf = await issueLeaf(ca, {
    subject: 'CN=system:node:n1, O=system:nodes',
    usage: 'server',
    names: { dns: ['n1'], ips: ['10.0.0.1'] },
    validDays: 1,
  });
  const pair = { certPem: leaf.cert, keyPem: leaf.key };
  const now = Date.now();
  assert.equal(usableServingPair(pair, 'n1', ca.cert, NAMES, now), true);
  assert.equal(usableServingPair(pair, 'n1', undefined, NAMES, now), true);
  assert.equal(usableServingPair(pair, 'n2', ca.cert, NAMES, now), false);
  assert.equal(usableServingPair(pair, 'n1', other.cert, NAMES, now), false);
  assert.equal(usableServingPair(pair, 'n1', ca.cert, { ...NAMES, ipAddresses: ['10.0.0.2'] }, now), false);
  assert.equal(usableServingPair(pair, 'n1', ca.cert, NAMES, now + 2 * 86_400_000), false);
});

/**
 * A FakeClient that plays the signer: every CertificateSigningRequest created is issued at once
 * by `ca` for an hour; `username` is what the API server would record as its requester.
 */
function signingClient(ca: { cert: string; key: string }, username: string): FakeClient {
  const fake = new FakeClient();
  const create = fake.create.bind(fake);
  let n = 0;
  fake.create = (async (rt, ns, obj, o) => {
    const csr = structuredClone(obj) as unknown as KubeObject & { spec: { request: string; username?: string } };
    csr.metadata.name = `csr-${++n}`;
    csr.spec.username = username;
    const pem = Buffer.from(csr.spec.request, 'base64').toString();
    const cert = await signCertificateRequest(ca, pem, { usages: ['server auth'], ttlMs: 3_600_000, now: new Date() });
    (csr as { status?: unknown }).status = { certificate: Buffer.from(cert).toString('base64') };
    return create(rt, ns, csr, o);
  }) as FakeClient['create'];
  return fake;
}

test('obtain: a kubelet-serving request for the names, stored 0600; reused after a restart; asked again for new names', async () => {
  const ca = await issueCa(2);
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-serving-cert-'));
  try {
    const client = signingClient(ca, 'system:node:n1');
    const opts = { dataDir, nodeName: 'n1', names: NAMES, caPem: ca.cert, log };
    const cert = await NodeServingCertificate.obtain(client, opts);
    const created = client.actions[0]?.body as { spec: Record<string, unknown>; metadata: Record<string, unknown> };
    assert.deepEqual(
      { ...created.spec, request: undefined },
      {
        request: undefined,
        signerName: 'kubernetes.io/kubelet-serving',
        usages: ['digital signature', 'server auth'],
        username: 'system:node:n1', // set by the fake, as the API server records the requester
      },
    );
    assert.equal(created.metadata.generateName, 'csr-');
    // The node's own request is the server's approver's: the agent does not approve it.
    assert.deepEqual(
      client.actions.map((a) => a.verb),
      ['create'],
    );
    const x = new X509Certificate(cert.current().certPem);
    assert.match(x.subject, /CN=system:node:n1/);
    assert.match(x.subject, /O=system:nodes/);
    assert.deepEqual(certificateNames(cert.current().certPem), NAMES);
    const file = join(dataDir, NODE_SERVING_CERT_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);

    const again = await NodeServingCertificate.obtain(client, opts);
    assert.equal(client.actions.length, 1, 'the stored certificate is reused');
    assert.equal(again.current().certPem.trim(), cert.current().certPem.trim());

    const moved = await NodeServingCertificate.obtain(client, {
      ...opts,
      names: { ...NAMES, ipAddresses: ['10.0.0.9'] },
    });
    assert.equal(client.actions.length, 2, 'a node whose address changed asks again');
    assert.deepEqual(certificateNames(moved.current().certPem).ipAddresses, ['10.0.0.9']);
    assert.ok((await readFile(file, 'utf8')).includes(moved.current().certPem.trim()));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('obtain: a requester that is not the node approves its own request (approval subresource)', async () => {
  const ca = await issueCa(2);
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-serving-cert-'));
  try {
    const client = signingClient(ca, 'admin');
    await NodeServingCertificate.obtain(client, { dataDir, nodeName: 'n1', names: NAMES, log });
    const approval = client.actions.find((a) => a.subresource === 'approval');
    assert.ok(approval);
    assert.equal(approval.verb, 'update');
    type Approved = { status: { conditions: { type: string; status: string }[] } };
    const conditions = (approval.body as Approved).status.conditions;
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status]),
      [['Approved', 'True']],
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('keepServingCertificate: hands over the first pair, renews at its renewal time, hands over the new one', async (t) => {
  const ca = await issueCa(2);
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-serving-cert-'));
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let clock = Date.now();
  const used: ClientCertPair[] = [];
  const keeper = keepServingCertificate(signingClient(ca, 'system:node:n1'), {
    dataDir,
    nodeName: 'n1',
    names: NAMES,
    caPem: ca.cert,
    log,
    now: () => clock,
    random: () => 0.5,
    use: (pair) => used.push(pair),
  });
  try {
    await keeper.ready;
    assert.equal(used.length, 1);
    const cert = keeper.certificate();
    assert.ok(cert);
    const renewed = new Promise<void>((resolve) => cert.onRotate(() => resolve()));
    // Issued for an hour, backdated 5 minutes: renewal at 80 % of 65 minutes = 13 minutes before notAfter.
    const dueIn = cert.notAfter - 13 * 60_000 - clock;
    clock += dueIn + 1;
    t.mock.timers.tick(dueIn + 1);
    await renewed;
    assert.equal(used.length, 2);
    assert.notEqual(used[1]?.certPem, used[0]?.certPem);
  } finally {
    await keeper.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
