import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { createCertificateRequest } from '../../machinery/pki/certificate-requests.js';
import { issueCa } from '../../machinery/pki/issue-certs.js';
import { CSRS, NODES } from '../../machinery/resources/well-known.js';
import { csrApprovingReconciler } from './csr-approving-controller.js';
import { csrSigningReconciler } from './csr-signing-controller.js';
import { certificateTtlMs } from './signing-plan.js';
import { NODE_SERVING_APPROVAL_MESSAGE } from './approving-plan.js';

const log = pino({ level: 'silent' });
const NOW = new Date('2026-03-01T00:00:00Z');
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function csrObject(
  name: string,
  subject: { commonName: string; organizations?: string[]; dnsNames?: string[]; ipAddresses?: string[] },
  spec: Record<string, unknown>,
  status?: Record<string, unknown>,
): Promise<KubeObject> {
  const { csr } = await createCertificateRequest(subject);
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: b64(csr), ...spec },
    ...(status ? { status } : {}),
  };
}

async function setup(...objs: KubeObject[]) {
  const fake = new FakeClient();
  fake.seed(CSRS, ...objs);
  const csrs = new Informer(fake, CSRS, { log });
  csrs.start();
  await csrs.waitForSync();
  return { fake, csrs };
}

const approved = { conditions: [{ type: 'Approved', status: 'True' }] };
const nodeClient = {
  signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
  usages: ['digital signature', 'client auth'],
};

test('signer: signs approved requests of its signers; leaves pending, denied and foreign ones', async () => {
  const ca = await issueCa(30);
  const objs = await Promise.all([
    csrObject(
      'ok',
      { commonName: 'alice', organizations: ['dev'] },
      {
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['client auth'],
        expirationSeconds: 7200,
      },
      approved,
    ),
    csrObject(
      'pending',
      { commonName: 'p' },
      { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
    ),
    csrObject(
      'denied',
      { commonName: 'd' },
      { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
      {
        conditions: [{ type: 'Denied', status: 'True' }],
      },
    ),
    csrObject('foreign', { commonName: 'f' }, { signerName: 'example.com/mine', usages: ['client auth'] }, approved),
  ]);
  const { fake, csrs } = await setup(...objs);
  const reconcile = csrSigningReconciler({ client: fake, csrs, ca, now: () => NOW });
  for (const name of ['ok', 'pending', 'denied', 'foreign', 'missing']) await reconcile({ namespace: '', name });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.name, a.subresource]),
    [['update', 'ok', 'status']],
  );
  const status = (fake.actions[0]?.body as { status: { certificate: string } } | undefined)?.status ?? {
    certificate: '',
  };
  const x = new X509Certificate(Buffer.from(status.certificate, 'base64').toString());
  assert.equal(x.subject, 'CN=alice\nO=dev');
  assert.equal(Date.parse(x.validTo) - NOW.getTime(), 7_200_000);
  await csrs.stop();
});

test('signer: a kubelet client request with a wrong subject or usages gets Failed (SignerValidationFailure)', async () => {
  const ca = await issueCa(30);
  const objs = await Promise.all([
    csrObject('wrong-o', { commonName: 'system:node:n1', organizations: ['system:masters'] }, nodeClient, approved),
    csrObject(
      'server-usage',
      { commonName: 'system:node:n1', organizations: ['system:nodes'] },
      {
        ...nodeClient,
        usages: ['digital signature', 'server auth'],
      },
      approved,
    ),
  ]);
  const { fake, csrs } = await setup(...objs);
  const reconcile = csrSigningReconciler({ client: fake, csrs, ca, now: () => NOW });
  await reconcile({ namespace: '', name: 'wrong-o' });
  await reconcile({ namespace: '', name: 'server-usage' });
  const failed = fake.actions.map((a) =>
    (a.body as { status: { conditions: { type: string; reason: string; message: string }[] } }).status.conditions.at(
      -1,
    ),
  );
  assert.deepEqual(failed, [
    {
      type: 'Failed',
      status: 'True',
      reason: 'SignerValidationFailure',
      message: 'subject organization is not system:nodes',
      lastUpdateTime: '2026-03-01T00:00:00Z',
      lastTransitionTime: '2026-03-01T00:00:00Z',
    },
    {
      type: 'Failed',
      status: 'True',
      reason: 'SignerValidationFailure',
      message: 'usages did not match [digital signature key encipherment client auth]',
      lastUpdateTime: '2026-03-01T00:00:00Z',
      lastTransitionTime: '2026-03-01T00:00:00Z',
    },
  ]);
  await csrs.stop();
});

test('certificate lifetime: requested, capped by the signing duration, at least 10 minutes', () => {
  const spec = (expirationSeconds?: number) => ({ spec: { request: '', signerName: 's', expirationSeconds } });
  assert.equal(certificateTtlMs(spec(), 86_400_000), 86_400_000);
  assert.equal(certificateTtlMs(spec(3600), 86_400_000), 3_600_000);
  assert.equal(certificateTtlMs(spec(999_999), 86_400_000), 86_400_000);
  assert.equal(certificateTtlMs(spec(60), 86_400_000), 600_000);
});

test('approver: node client requests approved through the approval subresource when the requester may', async () => {
  const objs = await Promise.all([
    csrObject(
      'self',
      { commonName: 'system:node:n1', organizations: ['system:nodes'] },
      {
        ...nodeClient,
        username: 'system:node:n1',
        groups: ['system:nodes'],
      },
    ),
    csrObject(
      'boot',
      { commonName: 'system:node:n2', organizations: ['system:nodes'] },
      {
        ...nodeClient,
        username: 'system:node-bootstrapper',
        groups: ['system:bootstrappers'],
      },
    ),
    csrObject(
      'other-node',
      { commonName: 'system:node:n3', organizations: ['system:nodes'] },
      {
        ...nodeClient,
        username: 'system:node:n1',
        groups: ['system:nodes'],
      },
    ),
    csrObject(
      'user',
      { commonName: 'alice' },
      {
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['client auth'],
        username: 'system:node-bootstrapper',
      },
    ),
  ]);
  const { fake, csrs } = await setup(...objs);
  const asked: string[] = [];
  // Policy of the test: bootstrappers may `nodeclient`, nodes may `selfnodeclient`.
  const reconcile = csrApprovingReconciler({
    client: fake,
    csrs,
    now: () => NOW,
    authorize: async (csr, sub) => {
      asked.push(`${csr.metadata?.name}:${sub}`);
      return sub === 'selfnodeclient'
        ? csr.spec.username?.startsWith('system:node:') === true
        : (csr.spec.groups ?? []).includes('system:bootstrappers');
    },
  });
  for (const name of ['self', 'boot', 'other-node', 'user']) await reconcile({ namespace: '', name });
  assert.deepEqual(asked, ['self:selfnodeclient', 'boot:nodeclient', 'other-node:nodeclient']);
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.name, a.subresource]),
    [
      ['update', 'self', 'approval'],
      ['update', 'boot', 'approval'],
    ],
  );
  const conditions = fake.actions.map(
    (a) => (a.body as { status: { conditions: { reason: string; message: string }[] } }).status.conditions[0],
  );
  assert.equal(conditions[0]?.reason, 'AutoApproved');
  assert.equal(conditions[0]?.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
  assert.equal(conditions[1]?.message, 'Auto approving kubelet client certificate after SubjectAccessReview.');
  // Already decided requests are not looked at again.
  fake.actions.length = 0;
  asked.length = 0;
  await new Promise((r) => setTimeout(r, 50));
  await reconcile({ namespace: '', name: 'self' });
  assert.deepEqual([fake.actions, asked], [[], []]);
  await csrs.stop();
});

test("approver: a node's kubelet-serving request for its own Node addresses is approved; others are left", async () => {
  const serving = {
    signerName: 'kubernetes.io/kubelet-serving',
    usages: ['digital signature', 'server auth'],
  };
  const n1 = { commonName: 'system:node:n1', organizations: ['system:nodes'] };
  const asNode = (node: string) => ({
    username: `system:node:${node}`,
    groups: ['system:nodes', 'system:authenticated'],
  });
  const created = { creationTimestamp: NOW.toISOString() };
  const objs = await Promise.all([
    csrObject('own', { ...n1, dnsNames: ['n1', 'n1.lan'], ipAddresses: ['10.0.0.1'] }, { ...serving, ...asNode('n1') }),
    csrObject('foreign-ip', { ...n1, dnsNames: ['n1'], ipAddresses: ['10.0.0.2'] }, { ...serving, ...asNode('n1') }),
    csrObject('foreign-dns', { ...n1, dnsNames: ['n2'] }, { ...serving, ...asNode('n1') }),
    csrObject('for-other', { ...n1, ipAddresses: ['10.0.0.1'] }, { ...serving, ...asNode('n2') }),
    csrObject(
      'admin',
      { ...n1, ipAddresses: ['10.0.0.1'] },
      { ...serving, username: 'admin', groups: ['system:masters'] },
    ),
    csrObject(
      'client-usage',
      { ...n1, ipAddresses: ['10.0.0.1'] },
      {
        ...serving,
        usages: ['digital signature', 'client auth'],
        ...asNode('n1'),
      },
    ),
    csrObject(
      'no-node',
      { commonName: 'system:node:n9', organizations: ['system:nodes'], ipAddresses: ['10.0.0.9'] },
      {
        ...serving,
        ...asNode('n9'),
      },
    ),
  ]);
  for (const o of objs) o.metadata = { ...o.metadata, ...created };
  const { fake, csrs } = await setup(...objs);
  fake.seed(NODES, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: {
      addresses: [
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'Hostname', address: 'n1.lan' },
      ],
    },
  });
  const nodes = new Informer(fake, NODES, { log });
  nodes.start();
  await nodes.waitForSync();
  const asked: string[] = [];
  const reconcile = csrApprovingReconciler({
    client: fake,
    csrs,
    nodes,
    now: () => NOW,
    authorize: async (csr, sub) => {
      asked.push(`${csr.metadata?.name}:${sub}`);
      return true;
    },
  });
  const results: Record<string, unknown> = {};
  for (const name of ['own', 'foreign-ip', 'foreign-dns', 'for-other', 'admin', 'client-usage', 'no-node'])
    results[name] = await reconcile({ namespace: '', name });
  assert.deepEqual(
    fake.actions.filter((a) => a.verb === 'update').map((a) => [a.name, a.subresource]),
    [['own', 'approval']],
  );
  type Approved = { status: { conditions: { type: string; reason: string; message: string }[] } };
  const update = fake.actions.find((a) => a.verb === 'update');
  assert.ok(update);
  const condition = (update.body as Approved).status.conditions[0];
  assert.deepEqual(
    [condition?.type, condition?.reason, condition?.message],
    ['Approved', 'AutoApproved', NODE_SERVING_APPROVAL_MESSAGE],
  );
  // Serving requests never go through the client-certificate SubjectAccessReviews.
  assert.deepEqual(asked, []);
  // A Node not in the cache yet: looked at again shortly (the node registers just before it asks).
  assert.deepEqual(results['no-node'], { requeueAfterMs: 500 });
  // So is one naming an address its Node does not carry (yet), while it is young; an invalid one is not.
  assert.deepEqual(results['foreign-ip'], { requeueAfterMs: 500 });
  assert.equal(results['client-usage'], undefined);
  assert.equal(results.admin, undefined);
  const later = csrApprovingReconciler({
    client: fake,
    csrs,
    nodes,
    now: () => new Date(NOW.getTime() + 120_000),
    authorize: async () => true,
  });
  assert.equal(await later({ namespace: '', name: 'foreign-ip' }), undefined);
  await nodes.stop();
  await csrs.stop();
});
