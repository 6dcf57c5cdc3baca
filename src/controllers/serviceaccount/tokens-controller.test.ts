import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { SECRETS, SERVICE_ACCOUNTS } from '../../machinery/resources/well-known.js';
import { generateSigningKeyPem, signingKeyFromPem } from '../../machinery/serviceaccount-token/signing-key.js';
import { unverifiedPayload, verifyJwt } from '../../machinery/serviceaccount-token/jwt.js';
import { planTokenSecret } from './plan-token-secret.js';
import { tokensReconciler } from './tokens-controller.js';

const log = pino({ level: 'silent' });
const CA = 'CA PEM\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const TYPE = 'kubernetes.io/service-account-token';
const secret = (name: string, annotations: Record<string, string>, data?: Record<string, string>) => ({
  apiVersion: 'v1' as const,
  kind: 'Secret' as const,
  type: TYPE,
  metadata: { name, namespace: 'dev', uid: `uid-${name}`, annotations },
  ...(data ? { data } : {}),
});

test('plan: fill what is missing, leave a filled Secret, delete when the ServiceAccount is gone or replaced', () => {
  const sa = { name: 'web', uid: 'sa-1' };
  const empty = secret('t', { 'kubernetes.io/service-account.name': 'web' });
  assert.deepEqual(planTokenSecret(empty, sa, CA), {
    kind: 'update',
    needsToken: true,
    secret: {
      ...empty,
      metadata: {
        ...empty.metadata,
        annotations: { 'kubernetes.io/service-account.name': 'web', 'kubernetes.io/service-account.uid': 'sa-1' },
      },
      data: { 'ca.crt': b64(CA), namespace: b64('dev') },
    },
  });
  const filled = secret(
    't',
    { 'kubernetes.io/service-account.name': 'web', 'kubernetes.io/service-account.uid': 'sa-1' },
    { token: b64('jwt'), 'ca.crt': b64(CA), namespace: b64('dev') },
  );
  assert.deepEqual(planTokenSecret(filled, sa, CA), { kind: 'none' });
  assert.deepEqual(planTokenSecret(filled, undefined, CA), { kind: 'delete' });
  assert.deepEqual(planTokenSecret(filled, { name: 'web', uid: 'sa-2' }, CA), { kind: 'delete' });
  assert.deepEqual(planTokenSecret({ ...filled, type: 'Opaque' }, undefined, CA), { kind: 'none' });
});

test('reconcile: signs a legacy token into the Secret; deletes the Secret of a missing ServiceAccount', async () => {
  const fake = new FakeClient();
  fake.seed(SERVICE_ACCOUNTS, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'web', namespace: 'dev', uid: 'sa-1' },
  });
  fake.seed(
    SECRETS,
    secret('web-token', { 'kubernetes.io/service-account.name': 'web' }),
    secret('ghost-token', { 'kubernetes.io/service-account.name': 'ghost' }),
  );
  const secrets = new Informer(fake, SECRETS, { log });
  const serviceAccounts = new Informer(fake, SERVICE_ACCOUNTS, { log });
  secrets.start();
  serviceAccounts.start();
  await Promise.all([secrets.waitForSync(), serviceAccounts.waitForSync()]);
  const key = signingKeyFromPem(await generateSigningKeyPem());
  const reconcile = tokensReconciler({ client: fake, secrets, serviceAccounts, key, caPem: CA });
  await reconcile({ namespace: 'dev', name: 'web-token' });
  await reconcile({ namespace: 'dev', name: 'ghost-token' });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.name]),
    [
      ['update', 'web-token'],
      ['delete', 'ghost-token'],
    ],
  );
  const written = fake.actions[0].body as {
    data: Record<string, string>;
    metadata: { annotations: Record<string, string> };
  };
  assert.equal(written.metadata.annotations['kubernetes.io/service-account.uid'], 'sa-1');
  const token = Buffer.from(written.data.token, 'base64').toString();
  assert.equal(verifyJwt(key, token).ok, true);
  assert.deepEqual(unverifiedPayload(token), {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': 'dev',
    'kubernetes.io/serviceaccount/secret.name': 'web-token',
    'kubernetes.io/serviceaccount/service-account.name': 'web',
    'kubernetes.io/serviceaccount/service-account.uid': 'sa-1',
    sub: 'system:serviceaccount:dev:web',
  });
  assert.deepEqual(fake.actions[1].body, { preconditions: { uid: 'uid-ghost-token' } });
  await secrets.stop();
  await serviceAccounts.stop();
});
