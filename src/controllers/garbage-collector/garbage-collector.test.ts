import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { SharedInformers } from '../../machinery/client/shared-informers.js';
import { quietPeriod, until } from '../../testing/until.js';
import { GarbageCollector } from './garbage-collector.js';
import { CONFIG_MAPS, SECRETS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const types = [CONFIG_MAPS, SECRETS];

const cm = (name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'n', ...meta },
});
const ownedBy = (uid: string, name: string, block = false) => [
  { apiVersion: 'v1', kind: 'ConfigMap', name, uid, ...(block ? { blockOwnerDeletion: true } : {}) },
];

async function withCollector(fake: FakeClient, fn: (gc: GarbageCollector) => Promise<void>): Promise<void> {
  const informers = new SharedInformers(fake, log);
  const gc = new GarbageCollector({ client: fake, informers, log, types, foregroundRecheckMs: 20 });
  await gc.start();
  try {
    await fn(gc);
  } finally {
    await gc.stop();
    await informers.stopAll();
  }
}

test('a dependent whose owner is gone is deleted in the background with a uid precondition', async () => {
  const fake = new FakeClient();
  fake.seed(
    CONFIG_MAPS,
    cm('owner', { uid: 'u-owner' }),
    cm('child', { uid: 'u-child', ownerReferences: ownedBy('u-gone', 'was-here') }),
    cm('kept', { uid: 'u-kept', ownerReferences: ownedBy('u-owner', 'owner') }),
  );
  await withCollector(fake, async () => {
    await until('child deleted', () => fake.peek(CONFIG_MAPS, 'n', 'child') === undefined);
    assert.deepEqual(fake.actions, [
      {
        verb: 'delete',
        resource: 'configmaps',
        namespace: 'n',
        name: 'child',
        body: { propagationPolicy: 'Background', preconditions: { uid: 'u-child' } },
      },
    ]);
    assert.ok(fake.peek(CONFIG_MAPS, 'n', 'kept'));
  });
});

test('an owner that reappears under a new uid does not save its dependent', async () => {
  const fake = new FakeClient();
  fake.seed(
    CONFIG_MAPS,
    cm('owner', { uid: 'u-new' }),
    cm('child', { uid: 'u-child', ownerReferences: ownedBy('u-old', 'owner') }),
  );
  await withCollector(fake, async () => {
    await until('child deleted', () => fake.peek(CONFIG_MAPS, 'n', 'child') === undefined);
  });
});

test('deleting an owner cascades to dependents of other types', async () => {
  const fake = new FakeClient();
  fake.seed(CONFIG_MAPS, cm('owner', { uid: 'u-owner' }));
  fake.seed(SECRETS, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'n', uid: 'u-s', ownerReferences: ownedBy('u-owner', 'owner') },
  });
  await withCollector(fake, async () => {
    await fake.delete(CONFIG_MAPS, 'n', 'owner');
    await until('secret deleted', () => fake.peek(SECRETS, 'n', 's') === undefined);
    assert.deepEqual(
      fake.actions.map((a) => `${a.verb} ${a.resource}/${a.name}`),
      ['delete configmaps/owner', 'delete secrets/s'],
    );
  });
});

test('orphan: the owner reference is removed from dependents, then the orphan finalizer from the owner', async () => {
  const fake = new FakeClient();
  fake.seed(
    CONFIG_MAPS,
    cm('owner', { uid: 'u-owner' }),
    cm('child', { uid: 'u-child', ownerReferences: [...ownedBy('u-owner', 'owner'), ...ownedBy('u-other', 'other')] }),
    cm('other', { uid: 'u-other' }),
  );
  await withCollector(fake, async () => {
    await fake.delete(CONFIG_MAPS, 'n', 'owner', { propagationPolicy: 'Orphan' });
    await until('owner deleted', () => fake.peek(CONFIG_MAPS, 'n', 'owner') === undefined);
    const child = fake.peek(CONFIG_MAPS, 'n', 'child');
    assert.deepEqual(child?.metadata.ownerReferences, ownedBy('u-other', 'other'));
    assert.deepEqual(
      fake.actions.slice(1).map((a) => `${a.verb} ${a.name} ${JSON.stringify(a.body)}`),
      [
        `patch child ${JSON.stringify({ metadata: { ownerReferences: ownedBy('u-other', 'other'), resourceVersion: '102' } })}`,
        `patch owner ${JSON.stringify({ metadata: { finalizers: null, resourceVersion: '104' } })}`,
      ],
    );
  });
});

test('foreground: blocking dependents go first (recursively), then the owner', async () => {
  const fake = new FakeClient();
  fake.seed(
    CONFIG_MAPS,
    cm('owner', { uid: 'u-owner' }),
    cm('mid', { uid: 'u-mid', ownerReferences: ownedBy('u-owner', 'owner', true) }),
    cm('leaf', { uid: 'u-leaf', ownerReferences: ownedBy('u-mid', 'mid', true), finalizers: ['example.com/hold'] }),
  );
  await withCollector(fake, async () => {
    await fake.delete(CONFIG_MAPS, 'n', 'owner', { propagationPolicy: 'Foreground' });
    await until(
      'leaf marked for deletion',
      () => fake.peek(CONFIG_MAPS, 'n', 'leaf')?.metadata.deletionTimestamp !== undefined,
    );
    // foregroundRecheckMs is 20: over 50 ms the collector rechecks and must still hold owner and mid.
    await quietPeriod(50, 'owner and mid stay while leaf is held by its finalizer');
    assert.ok(fake.peek(CONFIG_MAPS, 'n', 'owner'), 'owner waits while a blocking dependent remains');
    assert.ok(fake.peek(CONFIG_MAPS, 'n', 'mid'), 'mid waits for leaf');
    await fake.patch(CONFIG_MAPS, 'n', 'leaf', 'merge', { metadata: { finalizers: null } });
    await until('owner deleted', () => fake.peek(CONFIG_MAPS, 'n', 'owner') === undefined);
    assert.equal(fake.peek(CONFIG_MAPS, 'n', 'mid'), undefined);
    const deletes = fake.actions
      .filter((a) => a.verb === 'delete')
      .map((a) => `${a.name} ${(a.body as { propagationPolicy?: string }).propagationPolicy}`);
    assert.deepEqual(deletes, ['owner Foreground', 'mid Foreground', 'leaf Background']);
  });
});
