import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResourceType } from '../../api/resource-types.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/store.js';
import { decodeObject, encodeObject } from '../rest/storage-key.js';
import { WatchCache } from '../watch-cache.js';
import { anonymousRequest } from './plugin.js';
import { storedFields } from '../write-workers/stored-fields.js';
import { resourceQuotaPlugin } from './resource-quota.js';

const KEY = '/registry/core/resourcequotas/ns/q';
const configMaps = findResourceType('', 'v1', 'configmaps');
const events = findResourceType('', 'v1', 'events');
if (!configMaps || !events) throw new Error('built-in resources missing');

async function setup(used: string) {
  const store = await openStore('memory', '');
  const quota: KubeObject & ResourceQuota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'q', namespace: 'ns' },
    spec: { hard: { configmaps: '2' } },
    status: { hard: { configmaps: '2' }, used: { configmaps: used } },
  };
  await store.create(KEY, encodeObject(quota));
  const cache = new WatchCache({ store, fieldsOf: storedFields });
  await cache.start();
  const plugin = resourceQuotaPlugin({ cache, store });
  return { store, cache, plugin };
}

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } });

async function usedOf(store: Store): Promise<string | undefined> {
  const v = await store.get(KEY);
  return v && decodeObject<ResourceQuota>(v.value).status?.used?.configmaps;
}

test('racing admits for the last unit: one is charged, the other refused', async () => {
  const { store, cache, plugin } = await setup('1');
  try {
    assert.equal(plugin.handles(configMaps, 'create'), true);
    assert.equal(plugin.handles(events, 'create'), false);
    const results = await Promise.allSettled([
      plugin.admit('create', configMaps, cm('a'), undefined, { ...anonymousRequest(), dryRun: false }),
      plugin.admit('create', configMaps, cm('b'), undefined, { ...anonymousRequest(), dryRun: false }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    const refusal = (results[1] as PromiseRejectedResult).reason;
    assert.ok(refusal instanceof ApiError);
    assert.equal(
      refusal.message,
      'configmaps "b" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=2, limited: configmaps=2',
    );
    assert.equal(await usedOf(store), '2');
  } finally {
    cache.stop();
  }
});

test('a dry run is checked but charges nothing; a conflicting status write is retried', async () => {
  const { store, cache, plugin } = await setup('0');
  try {
    await plugin.admit('create', configMaps, cm('a'), undefined, { ...anonymousRequest(), dryRun: true });
    assert.equal(await usedOf(store), '0');
    // The controller writes the quota between the plugin's read and its write: the store's
    // compare-and-swap fails once, and the plugin charges the fresh version.
    const realUpdate = store.update.bind(store);
    let interfered = false;
    store.update = async (key, value, expected) => {
      if (!interfered && key === KEY) {
        interfered = true;
        const current = await store.get(KEY);
        if (current) {
          const q = decodeObject<KubeObject & ResourceQuota>(current.value);
          q.status = { hard: { configmaps: '2' }, used: { configmaps: '1' } };
          await realUpdate(KEY, encodeObject(q), current.modRevision);
        }
      }
      return realUpdate(key, value, expected);
    };
    await plugin.admit('create', configMaps, cm('b'), undefined, { ...anonymousRequest(), dryRun: false });
    assert.equal(interfered, true);
    assert.equal(await usedOf(store), '2');
  } finally {
    cache.stop();
  }
});

test('without the server state (a write worker) the plugin handles nothing', () => {
  assert.equal(resourceQuotaPlugin(undefined).handles(configMaps, 'create'), false);
});
