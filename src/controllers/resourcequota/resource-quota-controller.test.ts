import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { SharedInformers } from '../../machinery/client/shared-informers.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import {
  CONFIG_MAPS,
  DEPLOYMENTS,
  PODS,
  PVCS,
  RESOURCE_QUOTAS,
  SERVICES,
} from '../../machinery/resources/well-known.js';
import { ResourceQuotaController } from './resource-quota-controller.js';

const log = pino({ level: 'silent' });
const NOW = Date.parse('2026-01-01T00:00:00Z');

const quota = (hard: Record<string, string>, status?: object, scopes?: string[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q', namespace: 'ns' },
  spec: { hard, ...(scopes && { scopes }) },
  ...(status && { status }),
});
const pod = (name: string, cpu?: string, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: cpu ? { requests: { cpu }, limits: { cpu } } : {} }] },
  status: { phase },
});
const named = (apiVersion: string, kind: string, name: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace: 'ns' },
});

async function setup(q: KubeObject, seed: (fake: FakeClient) => void) {
  const fake = new FakeClient();
  fake.seed(RESOURCE_QUOTAS, q);
  seed(fake);
  const informers = new SharedInformers(fake, log);
  const quotas = new Informer(fake, RESOURCE_QUOTAS, { log });
  const pods = new Informer(fake, PODS, { log });
  const services = new Informer(fake, SERVICES, { log });
  const claims = new Informer(fake, PVCS, { log });
  const infs = [quotas, pods, services, claims];
  for (const i of infs) i.start();
  await Promise.all(infs.map((i) => i.waitForSync()));
  informers.startAll();
  const released: string[] = [];
  const ctrl = new ResourceQuotaController({
    client: fake,
    quotas,
    pods,
    services,
    claims,
    informers,
    onReleased: (ns) => released.push(ns),
    log,
    now: () => NOW,
  });
  const stop = async () => {
    await Promise.all(infs.map((i) => i.stop()));
    await informers.stopAll();
  };
  return { fake, ctrl, released, stop };
}

test('a new quota gets status.hard and status.used from the namespace objects', async () => {
  const { fake, ctrl, stop } = await setup(
    quota({ pods: '4', 'requests.cpu': '2', 'limits.cpu': '4', configmaps: '3', 'count/deployments.apps': '1' }),
    (f) => {
      f.seed(PODS, pod('a', '500m'), pod('b', '250m'), pod('done', '1', 'Succeeded'));
      f.seed(CONFIG_MAPS, named('v1', 'ConfigMap', 'one'), named('v1', 'ConfigMap', 'two'));
      f.seed(DEPLOYMENTS, named('apps/v1', 'Deployment', 'web'));
    },
  );
  try {
    const result = await ctrl.reconcile({ namespace: 'ns', name: 'q' });
    assert.deepEqual(result, { requeueAfterMs: 5 * 60_000 });
    assert.deepEqual(
      fake.actions.map((a) => [a.verb, a.resource, a.name, a.subresource]),
      [['update', 'resourcequotas', 'q', 'status']],
    );
    assert.deepEqual((fake.actions[0].body as KubeObject).status, {
      hard: { configmaps: '3', 'count/deployments.apps': '1', 'limits.cpu': '4', pods: '4', 'requests.cpu': '2' },
      used: { configmaps: '2', 'count/deployments.apps': '1', 'limits.cpu': '750m', pods: '2', 'requests.cpu': '750m' },
    });
  } finally {
    await stop();
  }
});

test('a quota whose status is right is not written again; a wrong used is corrected', async () => {
  const right = quota({ pods: '4' }, { hard: { pods: '4' }, used: { pods: '1' } });
  const first = await setup(right, (f) => f.seed(PODS, pod('a')));
  try {
    await first.ctrl.reconcile({ namespace: 'ns', name: 'q' });
    assert.deepEqual(first.fake.actions, []);
  } finally {
    await first.stop();
  }
  const stale = quota({ pods: '4' }, { hard: { pods: '4' }, used: { pods: '3' } });
  const second = await setup(stale, (f) => f.seed(PODS, pod('a')));
  try {
    await second.ctrl.reconcile({ namespace: 'ns', name: 'q' });
    assert.deepEqual((second.fake.actions[0].body as KubeObject).status, { hard: { pods: '4' }, used: { pods: '1' } });
  } finally {
    await second.stop();
  }
});

test('scoped quotas count only the pods in scope; a pod that ends releases its usage', async () => {
  const { fake, ctrl, stop } = await setup(quota({ pods: '5' }, undefined, ['BestEffort']), (f) =>
    f.seed(PODS, pod('be'), pod('burst', '100m')),
  );
  try {
    await ctrl.reconcile({ namespace: 'ns', name: 'q' });
    assert.deepEqual((fake.actions[0].body as KubeObject).status, { hard: { pods: '5' }, used: { pods: '1' } });
    assert.equal(ctrl.releasedBy('pods', pod('be'), pod('be', undefined, 'Failed')), true);
    assert.equal(ctrl.releasedBy('pods', pod('be'), pod('be')), false);
  } finally {
    await stop();
  }
});
