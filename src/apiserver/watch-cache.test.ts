import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../store/index.js';
import { WatchCache, resourcePrefixOf, type CachedEvent } from './watch-cache.js';
import { encodeObject } from './rest/storage-key.js';

const cm = (name: string, labels: Record<string, string> = {}) =>
  encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', labels } });
const fieldsOf = (_p: string, o: { metadata: { name?: string; namespace?: string } }) => ({
  'metadata.name': o.metadata.name ?? '',
  'metadata.namespace': o.metadata.namespace ?? '',
});

test('loads existing objects, follows writes, and serves lists in key order with resourceVersions', async () => {
  const store = await openStore('memory', '');
  await store.create('/registry/core/configmaps/ns/b', cm('b'));
  const cache = new WatchCache({ store, fieldsOf });
  await cache.start();
  const r = await store.create('/registry/core/configmaps/ns/a', cm('a', { x: '1' }));
  assert.ok(r.ok);
  assert.ok(await cache.waitFor(r.revision));
  const items = cache.list('/registry/core/configmaps/', 'ns');
  assert.deepEqual(
    items.map((o) => o.name),
    ['a', 'b'],
  );
  assert.equal(JSON.parse(items[0].bytes.toString()).metadata.resourceVersion, String(r.revision));
  assert.deepEqual(items[0].labels, { x: '1' });
  assert.deepEqual(cache.list('/registry/core/configmaps/', 'other'), []);
  cache.stop();
  await store.close();
});

test('events since a revision, live delivery to subscribers, and no history once trimmed', async () => {
  const store = await openStore('memory', '');
  const cache = new WatchCache({ store, fieldsOf, eventCapacity: 3 });
  await cache.start();
  const start = cache.revision;
  const seen: CachedEvent[] = [];
  cache.subscribe({ prefix: '/registry/core/configmaps/', onEvents: (e) => seen.push(...e), onClose: () => undefined });
  const a = await store.create('/registry/core/configmaps/ns/a', cm('a'));
  assert.ok(a.ok);
  const u = await store.update('/registry/core/configmaps/ns/a', cm('a', { y: '2' }), a.revision);
  assert.ok(u.ok);
  const d = await store.delete('/registry/core/configmaps/ns/a');
  assert.ok(d.ok);
  await cache.waitFor(d.revision);
  assert.deepEqual(
    seen.map((e) => e.type),
    ['ADDED', 'MODIFIED', 'DELETED'],
  );
  assert.deepEqual(seen[1].previous?.labels, {});
  assert.equal(
    JSON.parse(seen[2].current.bytes.toString()).metadata.resourceVersion,
    String(d.revision),
    'a DELETED carries the delete revision',
  );
  assert.deepEqual(
    cache.eventsSince('/registry/core/configmaps/', a.revision)?.map((e) => e.type),
    ['MODIFIED', 'DELETED'],
  );
  for (let i = 0; i < 4; i++) await store.create(`/registry/core/configmaps/ns/x${i}`, cm(`x${i}`));
  await cache.waitFor(await store.currentRevision());
  assert.equal(cache.eventsSince('/registry/core/configmaps/', start), undefined, 'trimmed history is gone (410)');
  cache.stop();
  await store.close();
});

test('resourcePrefixOf', () => {
  assert.equal(resourcePrefixOf('/registry/apps/deployments/ns/web'), '/registry/apps/deployments/');
  assert.equal(resourcePrefixOf('/registry/core/nodes/n1'), '/registry/core/nodes/');
});

test('the event history is also bounded by the bytes of the objects it keeps', async () => {
  const store = await openStore('memory', '');
  const cache = new WatchCache({ store, fieldsOf, eventCapacity: 1000, eventBytes: 600 });
  await cache.start();
  const start = cache.revision;
  for (let i = 0; i < 10; i++) await store.create(`/registry/core/configmaps/ns/b${i}`, cm(`b${i}`));
  await cache.waitFor(await store.currentRevision());
  assert.equal(
    cache.eventsSince('/registry/core/configmaps/', start),
    undefined,
    'the oldest events were dropped for size',
  );
  const recent = cache.eventsSince('/registry/core/configmaps/', cache.revision - 2);
  assert.deepEqual(
    recent?.map((e) => e.current.name),
    ['b8', 'b9'],
    'the newest are kept',
  );
  cache.stop();
  await store.close();
});

test('events older than the age limit are forgotten, even when the cluster is idle; resuming from the newest one still works', async () => {
  const store = await openStore('memory', '');
  let now = 1_000_000;
  const cache = new WatchCache({ store, fieldsOf, eventMaxAgeMs: 40, now: () => now });
  await cache.start();
  const start = cache.revision;
  const a = await store.create('/registry/core/configmaps/ns/a', cm('a'));
  const b = await store.create('/registry/core/configmaps/ns/b', cm('b'));
  assert.ok(a.ok && b.ok);
  await cache.waitFor(b.revision);
  assert.equal(cache.eventsSince('/registry/core/configmaps/', start)?.length, 2);
  now += 41;
  await new Promise((r) => setTimeout(r, 120)); // the age timer runs every eventMaxAgeMs (here)
  assert.equal(cache.eventsSince('/registry/core/configmaps/', start), undefined, 'aged out: 410 for older revisions');
  assert.deepEqual(
    cache.eventsSince('/registry/core/configmaps/', b.revision),
    [],
    'a watch from the newest forgotten revision misses nothing',
  );
  cache.stop();
  await store.close();
});
