import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../api/object.js';
import { FakeClient } from '../machinery/client/testing/fake-client.js';
import { SERVICE_ACCOUNTS } from '../machinery/resources/well-known.js';
import { ensureControllerServiceAccount } from './controller-service-accounts.js';

const log = pino({ level: 'silent' });

test('a missing controller ServiceAccount is created in kube-system; an existing one is left alone', async () => {
  const client = new FakeClient();
  client.seed(SERVICE_ACCOUNTS, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'job-controller', namespace: 'kube-system' },
  } as KubeObject);
  await ensureControllerServiceAccount(client, 'job-controller', log);
  await ensureControllerServiceAccount(client, 'namespace-controller', log);
  assert.deepEqual(
    client.actions.map((a) => [a.verb, a.resource, a.namespace, a.name]),
    [['create', 'serviceaccounts', 'kube-system', 'namespace-controller']],
  );
  assert.ok(client.peek(SERVICE_ACCOUNTS, 'kube-system', 'namespace-controller'));
});

test('a failed request is retried', async () => {
  const client = new FakeClient();
  client.failNext.set('serviceaccounts/kube-system/deployment-controller', {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'etcdserver: request timed out',
    reason: 'InternalError',
    code: 500,
  });
  await ensureControllerServiceAccount(client, 'deployment-controller', log, { retryDelayMs: 1 });
  assert.equal(client.actions.filter((a) => a.verb === 'create').length, 1);
  assert.ok(client.peek(SERVICE_ACCOUNTS, 'kube-system', 'deployment-controller'));
});
