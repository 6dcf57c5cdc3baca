import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { ClientError } from '../../machinery/client/client-error.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { issueCa, issueLeaf } from '../../machinery/pki/issue-certs.js';
import { signCertificateRequest } from '../../machinery/pki/certificate-requests.js';
import { CSRS } from '../../machinery/resources/well-known.js';
import {
  NODE_CLIENT_CERT_FILE,
  NodeClientCertificate,
  parseStoredPair,
  usablePair,
} from './node-client-certificate.js';
import { renewalTime } from './renewal-schedule.js';

const log = pino({ level: 'silent' });

test('renewal at 75-85 % of the life', () => {
  assert.equal(renewalTime(1000, 2000, 0), 1750);
  assert.equal(renewalTime(1000, 2000, 0.5), 1800);
  assert.ok(renewalTime(1000, 2000, 0.999) < 1850);
});

test('a stored pair is used only by its node, from its CA, before it expires', async () => {
  const ca = await issueCa(2);
  const other = await issueCa(2);
  const leaf = await issueLeaf(ca, { subject: 'CN=system:node:n1, O=system:nodes', usage: 'client', validDays: 1 });
  const pair = { certPem: leaf.cert, keyPem: leaf.key };
  const now = Date.now();
  assert.equal(usablePair(pair, 'n1', ca.cert, now), true);
  assert.equal(usablePair(pair, 'n2', ca.cert, now), false);
  assert.equal(usablePair(pair, 'n1', other.cert, now), false);
  assert.equal(usablePair(pair, 'n1', ca.cert, now + 2 * 86_400_000), false);
  assert.deepEqual(parseStoredPair(`${leaf.cert}${leaf.key}`), { certPem: leaf.cert, keyPem: leaf.key });
  assert.equal(parseStoredPair(leaf.cert), undefined);
});

/**
 * A FakeClient that plays approver and signer: every CertificateSigningRequest created is issued
 * at once by `ca`, for one hour.
 */
function signingClient(ca: { cert: string; key: string }): FakeClient {
  const fake = new FakeClient();
  const create = fake.create.bind(fake);
  let n = 0;
  fake.create = (async (rt, ns, obj, o) => {
    const csr = structuredClone(obj) as unknown as KubeObject & { spec: { request: string }; status?: unknown };
    csr.metadata.name = `node-csr-${++n}`;
    const pem = Buffer.from(csr.spec.request, 'base64').toString();
    const cert = await signCertificateRequest(ca, pem, { usages: ['client auth'], ttlMs: 3_600_000, now: new Date() });
    csr.status = { certificate: Buffer.from(cert).toString('base64') };
    return create(rt, ns, csr, o);
  }) as FakeClient['create'];
  return fake;
}

test('bootstrap with the join token, stored 0600; a restart reuses it; renewal replaces it', async () => {
  const ca = await issueCa(2);
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-node-cert-'));
  try {
    const bootstrap = signingClient(ca);
    let bootstraps = 0;
    const opts = {
      dataDir,
      nodeName: 'n1',
      caPem: ca.cert,
      log,
      bootstrapClient: () => {
        bootstraps++;
        return bootstrap;
      },
    };
    const cert = await NodeClientCertificate.load(opts);
    assert.equal(bootstraps, 1);
    const file = join(dataDir, NODE_CLIENT_CERT_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'pki'))).mode & 0o777, 0o700);
    const created = bootstrap.actions[0]?.body as { spec: Record<string, unknown>; metadata: Record<string, unknown> };
    assert.deepEqual(
      { ...created.spec, request: undefined },
      {
        request: undefined,
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'client auth'],
      },
    );
    assert.equal(bootstrap.peek(CSRS, '', 'node-csr-1')?.kind, 'CertificateSigningRequest');

    const again = await NodeClientCertificate.load(opts);
    assert.equal(bootstraps, 1);
    assert.equal(again.current().certPem.trim(), cert.current().certPem.trim());

    const own = signingClient(ca);
    const before = cert.current();
    await cert.renewOnce(own);
    assert.notEqual(cert.current(), before);
    assert.equal(own.actions.length, 1);
    assert.ok((await readFile(file, 'utf8')).includes(cert.current().certPem.trim()));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('start(): renews at the renewal time and retries a failed renewal', async (t) => {
  const ca = await issueCa(2);
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-node-cert-'));
  t.mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let clock = Date.now();
    const cert = await NodeClientCertificate.load({
      dataDir,
      nodeName: 'n1',
      caPem: ca.cert,
      log,
      bootstrapClient: () => signingClient(ca),
      now: () => clock,
      random: () => 0.5,
      retryMs: 1000,
    });
    const calls: number[] = [];
    let fail = true;
    cert.renewOnce = async () => {
      calls.push(clock);
      if (fail) {
        fail = false;
        throw new Error('server away');
      }
    };
    const stop = cert.start(new FakeClient());
    // Issued for an hour, backdated 5 minutes: 65 minutes of life, renewal at 80 % = 52 minutes after notBefore.
    const dueIn = cert.notAfter - 13 * 60_000 - clock;
    clock += dueIn - 1000;
    t.mock.timers.tick(dueIn - 1000);
    assert.equal(calls.length, 0);
    clock += 1000;
    t.mock.timers.tick(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.length, 1);
    clock += 1000;
    t.mock.timers.tick(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.length, 2);
    await stop();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('bootstrap waits for a server not reachable yet, but not for a refused token', async () => {
  const ca = await issueCa(2);
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-node-cert-'));
  try {
    const client = signingClient(ca);
    const create = client.create.bind(client);
    let attempts = 0;
    client.create = (async (...args: Parameters<FakeClient['create']>) => {
      if (++attempts < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
      return create(...args);
    }) as FakeClient['create'];
    const slept: number[] = [];
    const request = { sleep: async (ms: number) => void slept.push(ms) };
    const cert = await NodeClientCertificate.load({
      dataDir,
      nodeName: 'n1',
      caPem: ca.cert,
      log,
      bootstrapClient: () => client,
      request,
    });
    assert.equal(attempts, 3);
    assert.deepEqual(slept, [2000, 2000]);
    assert.match(cert.current().certPem, /BEGIN CERTIFICATE/);

    const refusing = new FakeClient();
    refusing.create = (async () => {
      throw new ClientError({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
    }) as FakeClient['create'];
    await assert.rejects(
      NodeClientCertificate.load({
        dataDir: join(dataDir, 'other'),
        nodeName: 'n2',
        caPem: ca.cert,
        log,
        bootstrapClient: () => refusing,
        request,
      }),
      ClientError,
    );
    assert.equal(slept.length, 2);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
