import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { certificateSigningRequestStrategy as s } from './certificate-signing-request.js';

const PEM = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (t: string) => Buffer.from(t).toString('base64');
const NOW = new Date('2026-01-02T03:04:05Z');

function csr(extra: { spec?: Record<string, unknown>; status?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'c1', creationTimestamp: '2026-01-02T02:04:05Z' },
    spec: {
      request: b64(PEM),
      signerName: 'kubernetes.io/kube-apiserver-client',
      usages: ['client auth'],
      ...extra.spec,
    },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const messages = (o: KubeObject, old?: KubeObject) =>
  (s.validate?.(o, old) ?? []).map((e) => `${e.field}: ${e.message}`);

test('create: the requester is the creating user, whatever the body says; status starts empty', () => {
  const o = csr({ spec: { username: 'mallory', groups: ['system:masters'], uid: 'x', extra: { a: ['b'] } } });
  (o as { status?: unknown }).status = { conditions: [{ type: 'Approved', status: 'True' }] };
  s.prepareForCreate?.(o, { name: 'bob', groups: ['dev', 'system:authenticated'], extra: { scopes: ['s'] } });
  const spec = o.spec as Record<string, unknown>;
  assert.equal(spec.username, 'bob');
  assert.deepEqual(spec.groups, ['dev', 'system:authenticated']);
  assert.equal(spec.uid, undefined);
  assert.deepEqual(spec.extra, { scopes: ['s'] });
  assert.deepEqual(o.status, {});
});

test('validation: request PEM type, signer name, usages, expirationSeconds', () => {
  assert.deepEqual(messages(csr()), []);
  assert.deepEqual(messages(csr({ spec: { request: b64('junk') } })), [
    'spec.request: Invalid value: "<request data>": PEM block type must be CERTIFICATE REQUEST',
  ]);
  assert.deepEqual(messages(csr({ spec: { signerName: 'nodomain' } })), [
    `spec.signerName: Invalid value: "nodomain": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
  ]);
  assert.deepEqual(messages(csr({ spec: { usages: [] } })), ['spec.usages: Required value: usages must be provided']);
  assert.deepEqual(messages(csr({ spec: { usages: ['client auth', 'client auth'] } })), [
    'spec.usages[1]: Duplicate value: "client auth"',
  ]);
  assert.match(
    messages(csr({ spec: { usages: ['flying'] } }))[0] ?? '',
    /^spec.usages\[0\]: Unsupported value: "flying"/,
  );
  assert.deepEqual(messages(csr({ spec: { expirationSeconds: 599 } })), [
    'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)',
  ]);
});

test('conditions: Approved/Denied only True, mutually exclusive, no duplicates', () => {
  const bad = csr({
    status: {
      conditions: [
        { type: 'Approved', status: 'True' },
        { type: 'Denied', status: 'True' },
        { type: 'Failed', status: 'Maybe' },
        { type: 'Failed', status: 'True' },
      ],
    },
  });
  assert.deepEqual(messages(bad), [
    'status.conditions[1].type: Invalid value: "Denied": Denied condition may not be set once the Approved condition is set',
    'status.conditions[2].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
    'status.conditions[3].type: Duplicate value: "Failed"',
  ]);
  assert.match(
    messages(csr({ status: { conditions: [{ type: 'Approved', status: 'False' }] } }))[0] ?? '',
    /supported values: "True"/,
  );
});

test('update of the object keeps spec and status; the status subresource keeps approval conditions', () => {
  const old = csr({
    spec: { username: 'bob' },
    status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R' }] },
  });
  const next = csr({ spec: { username: 'mallory', usages: ['server auth'] } });
  s.prepareForUpdate?.(next, old, '', NOW);
  assert.deepEqual(next.spec, old.spec);

  // The status writer may add a certificate and Failed, not remove Approved.
  const st = structuredClone(old);
  st.status = { certificate: b64(CERT), conditions: [{ type: 'Failed', status: 'True' }] };
  s.prepareForUpdate?.(st, old, 'status', NOW);
  assert.deepEqual(
    (st.status as { conditions: { type: string; lastUpdateTime?: string }[] }).conditions.map((c) => c.type),
    ['Approved', 'Failed'],
  );
  assert.equal((st.status as { certificate: string }).certificate, b64(CERT));
  assert.deepEqual(s.validateStatus?.(st, old), []);
});

test('approval changes only the conditions and stamps their times', () => {
  const old = csr({ status: {} });
  const next = csr({
    spec: { signerName: 'example.com/other' },
    status: { certificate: b64(CERT), conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }] },
  });
  s.prepareForUpdate?.(next, old, 'approval', NOW);
  assert.equal((next.spec as { signerName: string }).signerName, 'kubernetes.io/kube-apiserver-client');
  assert.deepEqual(next.status, {
    conditions: [
      {
        type: 'Approved',
        status: 'True',
        reason: 'KubectlApprove',
        lastUpdateTime: '2026-01-02T03:04:05Z',
        lastTransitionTime: '2026-01-02T03:04:05Z',
      },
    ],
  });
});

test('updates may not remove or change Approved/Denied/Failed, nor replace a certificate', () => {
  const old = csr({
    status: { certificate: b64(CERT), conditions: [{ type: 'Denied', status: 'True', reason: 'R' }] },
  });
  const removed = csr({ status: { certificate: b64(CERT), conditions: [] } });
  assert.deepEqual(
    (s.validateStatus?.(removed, old) ?? []).map((e) => e.message),
    ['Forbidden: updates may not remove a condition of type "Denied"'],
  );
  const other = csr({
    status: { certificate: b64(`${CERT}${CERT}`), conditions: [{ type: 'Denied', status: 'True', reason: 'R' }] },
  });
  assert.deepEqual(
    (s.validateStatus?.(other, old) ?? []).map((e) => e.message),
    ['Forbidden: updates may not modify existing certificate content'],
  );
});

test('table: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION', () => {
  assert.deepEqual(
    s.table.columns.map((c) => c.name),
    ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition'],
  );
  const o = csr({
    spec: { username: 'bob', expirationSeconds: 3600 },
    status: { certificate: b64(CERT), conditions: [{ type: 'Approved', status: 'True' }] },
  });
  assert.deepEqual(s.table.row(o, NOW), [
    'c1',
    '60m',
    'kubernetes.io/kube-apiserver-client',
    'bob',
    '60m',
    'Approved,Issued',
  ]);
  assert.deepEqual(s.table.row(csr(), NOW).slice(3), ['', '<none>', 'Pending']);
  const failed = csr({
    status: {
      conditions: [
        { type: 'Denied', status: 'True' },
        { type: 'Failed', status: 'True' },
      ],
    },
  });
  assert.equal(s.table.row(failed, NOW)[5], 'Denied,Failed');
});
