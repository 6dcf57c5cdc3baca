import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { issueCa, issueLeaf } from '../../machinery/pki/issue-certs.js';
import { CSRS } from '../../machinery/resources/well-known.js';
import { cleanupDecision } from './cleaner-plan.js';
import { csrCleanerReconciler } from './csr-cleaner-controller.js';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const H = 3_600_000;

function csr(name: string, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, creationTimestamp: iso(T0) },
    spec: { request: '', signerName: 'kubernetes.io/kube-apiserver-client' },
    ...(status ? { status } : {}),
  };
}
const cond = (type: string, at: number) => ({ type, status: 'True', lastUpdateTime: iso(at) });
type Csr = Parameters<typeof cleanupDecision>[0];

test('pending a day, denied or failed an hour, issued an hour after approval', async () => {
  const pending = csr('p') as unknown as Csr;
  assert.deepEqual(cleanupDecision(pending, T0 + H), { delete: false, atMs: T0 + 24 * H });
  assert.deepEqual(cleanupDecision(pending, T0 + 24 * H), { delete: true, reason: 'pending for more than 24 hours' });
  const denied = csr('d', { conditions: [cond('Denied', T0 + H)] }) as unknown as Csr;
  assert.deepEqual(cleanupDecision(denied, T0 + H), { delete: false, atMs: T0 + 2 * H });
  assert.equal(cleanupDecision(denied, T0 + 2 * H).delete, true);
  const failed = csr('f', { conditions: [cond('Approved', T0), cond('Failed', T0)] }) as unknown as Csr;
  assert.deepEqual(cleanupDecision(failed, T0 + H), { delete: true, reason: 'failed more than an hour ago' });
  // Approved but not issued: only the Failed/Denied/pending rules apply, none here.
  assert.deepEqual(cleanupDecision(csr('a', { conditions: [cond('Approved', T0)] }) as unknown as Csr, T0 + 5 * H), {
    delete: false,
  });
});

test('an issued request goes an hour after approval, or when its certificate expired', async () => {
  const ca = await issueCa(1);
  const leaf = await issueLeaf(ca, { subject: 'CN=x', usage: 'client', validDays: 1 });
  const certificate = Buffer.from(leaf.cert).toString('base64');
  const now = Date.now();
  const issued = csr('i', { certificate, conditions: [cond('Approved', now)] }) as unknown as Csr;
  assert.deepEqual(cleanupDecision(issued, now), { delete: false, atMs: now - (now % 1000) + H });
  assert.deepEqual(cleanupDecision(issued, now + H), { delete: true, reason: 'issued more than an hour ago' });
  // Approved long ago (no lastUpdateTime) with an expired certificate.
  const old = csr('o', { certificate, conditions: [{ type: 'Approved', status: 'True' }] }) as unknown as Csr;
  assert.deepEqual(cleanupDecision(old, now + 2 * 86_400_000), { delete: true, reason: 'its certificate has expired' });
});

test('the reconciler deletes what is due and comes back for the rest', async () => {
  const fake = new FakeClient();
  fake.seed(CSRS, csr('old-pending'), csr('denied', { conditions: [cond('Denied', T0 + 25 * H - 60_000)] }));
  const csrs = new Informer(fake, CSRS, { log });
  csrs.start();
  await csrs.waitForSync();
  const reconcile = csrCleanerReconciler({ client: fake, csrs, log, now: () => T0 + 25 * H });
  assert.equal(await reconcile({ namespace: '', name: 'old-pending' }), undefined);
  assert.deepEqual(await reconcile({ namespace: '', name: 'denied' }), { requeueAfterMs: H - 60_000 });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.name]),
    [['delete', 'old-pending']],
  );
  await csrs.stop();
});
