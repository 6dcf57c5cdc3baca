import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { Informer } from '../../machinery/client/informer.js';
import { CONFIG_MAPS, NAMESPACES } from '../../machinery/resources/well-known.js';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, planRootCaConfigMap } from './plan-root-ca.js';
import { rootCaPublisherReconciler } from './root-ca-publisher.js';

const log = pino({ level: 'silent' });
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const annotations = { [DESCRIPTION_ANNOTATION]: DESCRIPTION };

test('plan: create when missing, nothing when right, restore data and annotation when changed', () => {
  assert.deepEqual(planRootCaConfigMap('ns', undefined, CA), {
    kind: 'create',
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'ns', annotations },
      data: { 'ca.crt': CA },
    },
  });
  const right = {
    apiVersion: 'v1' as const,
    kind: 'ConfigMap' as const,
    metadata: { name: 'kube-root-ca.crt', namespace: 'ns', annotations, resourceVersion: '5' },
    data: { 'ca.crt': CA },
  };
  assert.equal(planRootCaConfigMap('ns', right, CA), undefined);
  const changed = {
    ...right,
    metadata: { ...right.metadata, labels: { a: 'b' }, annotations: { x: 'y' } },
    data: { 'ca.crt': 'old', extra: '1' },
  };
  assert.deepEqual(planRootCaConfigMap('ns', changed, CA), {
    kind: 'update',
    configMap: {
      ...changed,
      metadata: { ...changed.metadata, annotations: { x: 'y', ...annotations } },
      data: { 'ca.crt': CA },
    },
  });
  assert.deepEqual(changed.data, { 'ca.crt': 'old', extra: '1' }, 'the cached object is not mutated');
});

test('reconcile: active namespaces get the ConfigMap; terminating and missing ones do not', async () => {
  const fake = new FakeClient();
  fake.seed(
    NAMESPACES,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'done' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dying', deletionTimestamp: '2026-01-01T00:00:00Z' } },
  );
  fake.seed(CONFIG_MAPS, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-root-ca.crt', namespace: 'done', annotations },
    data: { 'ca.crt': CA },
  });
  const namespaces = new Informer(fake, NAMESPACES, { log });
  const configMaps = new Informer(fake, CONFIG_MAPS, { log });
  namespaces.start();
  configMaps.start();
  await Promise.all([namespaces.waitForSync(), configMaps.waitForSync()]);
  const reconcile = rootCaPublisherReconciler({ client: fake, namespaces, configMaps, caPem: CA });
  for (const name of ['fresh', 'done', 'dying', 'missing']) await reconcile({ namespace: '', name });
  assert.deepEqual(fake.actions, [
    {
      verb: 'create',
      resource: 'configmaps',
      namespace: 'fresh',
      name: 'kube-root-ca.crt',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt', namespace: 'fresh', annotations },
        data: { 'ca.crt': CA },
      },
    },
  ]);
  await namespaces.stop();
  await configMaps.stop();
});
