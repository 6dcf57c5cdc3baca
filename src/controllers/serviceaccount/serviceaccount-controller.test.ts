import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { serviceAccountReconciler } from './serviceaccount-controller.js';
import { NAMESPACES, SERVICE_ACCOUNTS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });

test('creates the default ServiceAccount only in active namespaces that lack one', async () => {
  const fake = new FakeClient();
  fake.seed(
    NAMESPACES,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'has' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dying', deletionTimestamp: '2024-01-01T00:00:00Z' } },
  );
  fake.seed(SERVICE_ACCOUNTS, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default', namespace: 'has' },
  });
  const namespaces = new Informer(fake, NAMESPACES, { log });
  const serviceAccounts = new Informer(fake, SERVICE_ACCOUNTS, { log });
  namespaces.start();
  serviceAccounts.start();
  await Promise.all([namespaces.waitForSync(), serviceAccounts.waitForSync()]);
  const reconcile = serviceAccountReconciler({ client: fake, namespaces, serviceAccounts });
  for (const name of ['fresh', 'has', 'dying', 'missing']) await reconcile({ namespace: '', name });
  assert.deepEqual(fake.actions, [
    {
      verb: 'create',
      resource: 'serviceaccounts',
      namespace: 'fresh',
      name: 'default',
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'fresh' } },
    },
  ]);
  // A stale cache that has not seen the new object yet: AlreadyExists is success.
  fake.actions.length = 0;
  await serviceAccountReconciler({
    client: fake,
    namespaces,
    serviceAccounts: new Informer(fake, SERVICE_ACCOUNTS, { log }),
  })({ namespace: '', name: 'has' });
  assert.equal(fake.actions.length, 1);
  await namespaces.stop();
  await serviceAccounts.stop();
});
