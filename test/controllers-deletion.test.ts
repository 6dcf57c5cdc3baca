import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestApi, type TestApi } from './helpers/api-client.js';
import { createClient, isNotFound, type KubeClient } from '../src/machinery/client/index.js';
import { startControllers, type Controllers } from '../src/controllers/index.js';
import type { ResourceType } from '../src/api/resource-type.js';
import type { KubeObject } from '../src/api/object.js';
import { CONFIG_MAPS, NAMESPACES, PODS, SECRETS, SERVICE_ACCOUNTS } from '../src/machinery/resources/well-known.js';
import { quietPeriod, untilWith } from './helpers/wait-until.js';

let api: TestApi;
let client: KubeClient;
let controllers: Controllers;

before(async () => {
  api = await startTestApi();
  client = createClient({ server: api.url });
  controllers = await startControllers({
    client,
    log: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    namespacePollMs: 100,
  });
});
after(async () => {
  await controllers.stop();
  await client.close();
  await api.close();
});

const until = untilWith({ timeoutMs: 8000, intervalMs: 25 });

async function gone(rt: ResourceType, ns: string, name: string): Promise<boolean> {
  try {
    await client.get(rt, ns, name);
    return false;
  } catch (e) {
    if (isNotFound(e)) return true;
    throw e;
  }
}

async function ownerAndChild(owner: string, child: string, ns = 'default'): Promise<KubeObject> {
  const o = await client.create<KubeObject>(CONFIG_MAPS, ns, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: owner },
  });
  await client.create(CONFIG_MAPS, ns, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: child,
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: owner, uid: o.metadata.uid ?? '', blockOwnerDeletion: true },
      ],
    },
  });
  return o;
}

test('background: deleting the owner deletes the dependent', async () => {
  await ownerAndChild('bg-owner', 'bg-child');
  await client.delete(CONFIG_MAPS, 'default', 'bg-owner', { propagationPolicy: 'Background' });
  assert.ok(await gone(CONFIG_MAPS, 'default', 'bg-owner'), 'owner goes at once');
  await until('dependent collected', () => gone(CONFIG_MAPS, 'default', 'bg-child'));
});

test('orphan: the dependent survives without the ownerReference and the owner goes', async () => {
  await ownerAndChild('or-owner', 'or-child');
  await client.delete(CONFIG_MAPS, 'default', 'or-owner', { propagationPolicy: 'Orphan' });
  await until('owner removed', () => gone(CONFIG_MAPS, 'default', 'or-owner'));
  const child = await client.get(CONFIG_MAPS, 'default', 'or-child');
  assert.equal(child.metadata.ownerReferences, undefined);
  await quietPeriod(200, 'the orphaned dependent is not collected');
  assert.ok(!(await gone(CONFIG_MAPS, 'default', 'or-child')), 'dependent is not collected later either');
});

test('foreground: the owner stays (with foregroundDeletion) until the dependent is gone', async () => {
  await ownerAndChild('fg-owner', 'fg-child');
  // A finalizer on the dependent holds it, so the owner's wait can be observed.
  await client.patch(CONFIG_MAPS, 'default', 'fg-child', 'merge', {
    metadata: { finalizers: ['test.flotilla.dev/hold'] },
  });
  const marked = await client.delete(CONFIG_MAPS, 'default', 'fg-owner', { propagationPolicy: 'Foreground' });
  assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion']);
  await until(
    'dependent marked for deletion',
    async () => (await client.get(CONFIG_MAPS, 'default', 'fg-child')).metadata.deletionTimestamp !== undefined,
  );
  await quietPeriod(200, 'the owner is not removed while its dependent remains');
  const owner = await client.get(CONFIG_MAPS, 'default', 'fg-owner');
  assert.ok(owner.metadata.deletionTimestamp, 'owner still there, being deleted');
  await client.patch(CONFIG_MAPS, 'default', 'fg-child', 'merge', { metadata: { finalizers: null } });
  await until('dependent gone', () => gone(CONFIG_MAPS, 'default', 'fg-child'));
  await until('owner gone after its dependent', () => gone(CONFIG_MAPS, 'default', 'fg-owner'));
});

test('a new namespace gets a default ServiceAccount; deleting it removes its objects, then itself', async () => {
  await client.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await until('default ServiceAccount', async () => !(await gone(SERVICE_ACCOUNTS, 'doomed', 'default')));
  await client.create(CONFIG_MAPS, 'doomed', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c1' },
    data: { a: '1' },
  });
  await client.create(SECRETS, 'doomed', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' } });
  // A pod bound to a node that does not exist: deleted with grace period 0.
  await client.create(PODS, 'doomed', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p1' },
    spec: { nodeName: 'ghost-node', containers: [{ name: 'c', image: 'busybox' }] },
  });
  const ns = await client.get(NAMESPACES, '', 'doomed');
  const marked = await client.delete(NAMESPACES, '', 'doomed');
  assert.ok(
    marked.metadata.deletionTimestamp,
    `namespace marked, not removed at once (spec.finalizers=${JSON.stringify(ns.spec)})`,
  );
  await until('namespace removed', () => gone(NAMESPACES, '', 'doomed'));
  for (const [rt, name] of [
    [CONFIG_MAPS, 'c1'],
    [SECRETS, 's1'],
    [PODS, 'p1'],
    [SERVICE_ACCOUNTS, 'default'],
  ] as const) {
    assert.ok(await gone(rt, 'doomed', name), `${rt.plural}/${name} deleted`);
  }
  assert.ok(!(await gone(SERVICE_ACCOUNTS, 'default', 'default')), 'other namespaces keep theirs');
});
