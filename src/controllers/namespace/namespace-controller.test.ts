import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { namespaceReconciler } from './namespace-controller.js';
import { CONFIG_MAPS, NAMESPACES, NODES, PODS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });

async function setup(phase: 'active' | 'terminating') {
  const fake = new FakeClient();
  fake.seed(NAMESPACES, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'x', ...(phase === 'terminating' ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { finalizers: ['kubernetes'] },
  });
  fake.seed(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'live' } });
  fake.seed(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x', uid: 'u-c' } });
  fake.seed(
    PODS,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-live', namespace: 'x', uid: 'u-1' },
      spec: { nodeName: 'live' },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-ghost', namespace: 'x', uid: 'u-2' },
      spec: { nodeName: 'ghost' },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound', namespace: 'x', uid: 'u-3' }, spec: {} },
  );
  const namespaces = new Informer(fake, NAMESPACES, { log });
  namespaces.start();
  await namespaces.waitForSync();
  const reconcile = namespaceReconciler({
    client: fake,
    namespaces,
    log,
    types: [PODS, CONFIG_MAPS],
    pollIntervalMs: 7,
  });
  return { fake, namespaces, reconcile };
}

test('an active namespace is left alone', async () => {
  const { fake, namespaces, reconcile } = await setup('active');
  assert.equal(await reconcile({ namespace: '', name: 'x' }), undefined);
  assert.deepEqual(fake.actions, []);
  await namespaces.stop();
});

test('a terminating namespace: contents deleted (grace 0 for pods on no or missing nodes), polled, then finalized', async () => {
  const { fake, namespaces, reconcile } = await setup('terminating');
  assert.deepEqual(await reconcile({ namespace: '', name: 'x' }), { requeueAfterMs: 7 });
  assert.deepEqual(fake.actions, [
    {
      verb: 'delete',
      resource: 'pods',
      namespace: 'x',
      name: 'on-live',
      body: { propagationPolicy: 'Background', preconditions: { uid: 'u-1' } },
    },
    {
      verb: 'delete',
      resource: 'pods',
      namespace: 'x',
      name: 'on-ghost',
      body: { propagationPolicy: 'Background', gracePeriodSeconds: 0, preconditions: { uid: 'u-2' } },
    },
    {
      verb: 'delete',
      resource: 'pods',
      namespace: 'x',
      name: 'unbound',
      body: { propagationPolicy: 'Background', gracePeriodSeconds: 0, preconditions: { uid: 'u-3' } },
    },
    {
      verb: 'delete',
      resource: 'configmaps',
      namespace: 'x',
      name: 'c',
      body: { propagationPolicy: 'Background', preconditions: { uid: 'u-c' } },
    },
  ]);
  // The fake removes all at once; the next pass finds nothing and finalizes.
  fake.actions.length = 0;
  assert.equal(await reconcile({ namespace: '', name: 'x' }), undefined);
  assert.deepEqual(fake.actions, [
    {
      verb: 'update',
      resource: 'namespaces',
      namespace: '',
      name: 'x',
      subresource: 'finalize',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, spec: { finalizers: [] } },
    },
  ]);
  assert.equal(fake.peek(NAMESPACES, '', 'x'), undefined, 'the namespace goes with its last finalizer');
  await namespaces.stop();
});

test('objects already being deleted on a live node are waited for, not deleted again', async () => {
  const { fake, namespaces, reconcile } = await setup('terminating');
  fake.seed(PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'on-live',
      namespace: 'x',
      uid: 'u-1',
      deletionTimestamp: '2024-01-01T00:00:30Z',
      finalizers: ['hold'],
    },
    spec: { nodeName: 'live' },
  });
  await reconcile({ namespace: '', name: 'x' });
  fake.actions.length = 0;
  assert.deepEqual(await reconcile({ namespace: '', name: 'x' }), { requeueAfterMs: 7 });
  assert.deepEqual(fake.actions, []);
  await namespaces.stop();
});
