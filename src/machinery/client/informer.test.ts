import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Informer, NAMESPACE_INDEX } from './informer.js';
import { FakeClient } from './testing/fake-client.js';
import type { KubeObject } from '../../api/object.js';
import { CONFIG_MAPS } from '../resources/well-known.js';
import { until } from '../../testing/until.js';

const log = pino({ level: 'silent' });
const cm = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name },
});
const watching = (fake: FakeClient) => until('the informer is watching', () => fake.openWatches(CONFIG_MAPS) === 1);

test('lists, syncs, then follows watch events with typed handlers', async () => {
  const fake = new FakeClient();
  fake.seed(CONFIG_MAPS, cm('a', 'one'), cm('b', 'two'));
  const inf = new Informer(fake, CONFIG_MAPS, { log });
  const seen: string[] = [];
  inf.addHandlers({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (a, b) =>
      seen.push(`update ${b.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  assert.equal(inf.hasSynced(), false);
  inf.start();
  await inf.waitForSync();
  assert.ok(inf.hasSynced());
  assert.deepEqual(seen.sort(), ['add one', 'add two']);
  assert.equal(inf.get('a', 'one')?.metadata.name, 'one');
  assert.deepEqual(
    inf.list('b').map((o) => o.metadata.name),
    ['two'],
  );
  await watching(fake);
  seen.length = 0;
  const before = inf.get('a', 'one')?.metadata.resourceVersion;
  await fake.patch(CONFIG_MAPS, 'a', 'one', 'merge', { data: { x: '1' } });
  await fake.delete(CONFIG_MAPS, 'b', 'two');
  await fake.create(CONFIG_MAPS, 'a', cm('a', 'three'));
  await until('three events', () => seen.length === 3);
  const after = inf.get('a', 'one')?.metadata.resourceVersion;
  assert.deepEqual(seen, [`update one ${before}->${after}`, 'delete two', 'add three']);
  assert.equal(inf.get('b', 'two'), undefined);
  await inf.stop();
});

test('a 410 ERROR event makes it relist and deliver what it missed, deletes included', async () => {
  const fake = new FakeClient();
  fake.seed(CONFIG_MAPS, cm('a', 'keep'), cm('a', 'gone'));
  const inf = new Informer(fake, CONFIG_MAPS, { log, minBackoffMs: 1 });
  const deleted: string[] = [];
  const added: string[] = [];
  inf.addHandlers({
    onDelete: (o) => deleted.push(o.metadata.name ?? ''),
    onAdd: (o) => added.push(o.metadata.name ?? ''),
  });
  inf.start();
  await inf.waitForSync();
  await watching(fake);
  // Simulate a missed window: change the store behind the watch's back, then expire the watch.
  fake.endWatches(CONFIG_MAPS);
  await watching(fake);
  fake.seed(CONFIG_MAPS, cm('a', 'new'));
  fake.removeSilently(CONFIG_MAPS, 'a', 'gone');
  fake.emitTo(CONFIG_MAPS, {
    type: 'ERROR',
    status: { code: 410, reason: 'Expired', message: 'too old resource version' },
  });
  await until('the relist delivered the missed delete and add', () => deleted.length === 1 && added.includes('new'));
  assert.deepEqual(deleted, ['gone']);
  assert.deepEqual(
    inf
      .list()
      .map((o) => o.metadata.name)
      .sort(),
    ['keep', 'new'],
  );
  await inf.stop();
});

test('a failing list is retried with backoff until it succeeds', async () => {
  const fake = new FakeClient();
  fake.seed(CONFIG_MAPS, cm('a', 'x'));
  let calls = 0;
  const realList = fake.list.bind(fake);
  fake.list = async (...args) => {
    if (++calls < 3) throw new Error('connection refused');
    return realList(...args);
  };
  const inf = new Informer(fake, CONFIG_MAPS, { log, minBackoffMs: 1 });
  inf.start();
  await inf.waitForSync();
  assert.equal(calls, 3);
  assert.equal(inf.size, 1);
  await inf.stop();
});

test('transform shrinks cached objects', async () => {
  const fake = new FakeClient();
  fake.seed(CONFIG_MAPS, { ...cm('a', 'big'), data: { blob: 'x'.repeat(1000) } });
  const inf = new Informer(fake, CONFIG_MAPS, {
    log,
    transform: (o): KubeObject => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata }),
  });
  inf.start();
  await inf.waitForSync();
  assert.equal(inf.get('a', 'big')?.data, undefined);
  await inf.stop();
});

const byColor = (o: KubeObject): string[] => {
  const color = o.metadata.labels?.color;
  return color ? [color] : [];
};
const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).sort();
const labelled = (namespace: string, name: string, color?: string): KubeObject => ({
  ...cm(namespace, name),
  metadata: { namespace, name, ...(color ? { labels: { color } } : {}) },
});

test('the namespace index lists one namespace and follows adds and deletes', async () => {
  const fake = new FakeClient();
  fake.seed(CONFIG_MAPS, cm('a', 'one'), cm('b', 'two'), cm('a', 'three'));
  const inf = new Informer(fake, CONFIG_MAPS, { log });
  inf.start();
  await inf.waitForSync();
  assert.deepEqual(names(inf.list('a')), ['one', 'three']);
  assert.deepEqual(names(inf.byIndex(NAMESPACE_INDEX, 'b')), ['two']);
  assert.deepEqual(inf.list('c'), []);
  await watching(fake);
  await fake.delete(CONFIG_MAPS, 'a', 'one');
  await fake.create(CONFIG_MAPS, 'c', cm('c', 'four'));
  await until('the add in namespace c', () => inf.list('c').length === 1);
  assert.deepEqual(names(inf.list('a')), ['three']);
  assert.deepEqual(names(inf.list()), ['four', 'three', 'two']);
  await inf.stop();
});

test('addIndex files cached objects at once and byIndex follows updates, deletes and relists', async () => {
  const fake = new FakeClient();
  fake.seed(CONFIG_MAPS, labelled('a', 'r1', 'red'), labelled('a', 'b1', 'blue'), labelled('b', 'none'));
  const inf = new Informer(fake, CONFIG_MAPS, { log, minBackoffMs: 1 });
  inf.start();
  await inf.waitForSync();
  inf.addIndex('color', byColor);
  assert.deepEqual(names(inf.byIndex('color', 'red')), ['r1']);
  assert.deepEqual(names(inf.byIndex('color', 'blue')), ['b1']);
  assert.deepEqual(inf.byIndex('color', 'green'), []);
  await watching(fake);

  // An update moves the object to its new value; a delete drops it.
  await fake.patch(CONFIG_MAPS, 'a', 'b1', 'merge', { metadata: { labels: { color: 'red' } } });
  await fake.delete(CONFIG_MAPS, 'a', 'r1');
  await until(
    'the delete and the relabel',
    () => inf.get('a', 'r1') === undefined && inf.get('a', 'b1')?.metadata.labels?.color === 'red',
  );
  assert.deepEqual(names(inf.byIndex('color', 'red')), ['b1']);
  assert.deepEqual(inf.byIndex('color', 'blue'), []);

  // A relist after a missed window re-files what changed and drops what vanished.
  fake.endWatches(CONFIG_MAPS);
  await watching(fake);
  fake.seed(CONFIG_MAPS, labelled('b', 'none', 'blue'), labelled('a', 'g1', 'green'));
  fake.removeSilently(CONFIG_MAPS, 'a', 'b1');
  fake.emitTo(CONFIG_MAPS, {
    type: 'ERROR',
    status: { code: 410, reason: 'Expired', message: 'too old resource version' },
  });
  await until('the relist', () => inf.get('a', 'b1') === undefined && inf.get('a', 'g1') !== undefined);
  assert.deepEqual(inf.byIndex('color', 'red'), []);
  assert.deepEqual(names(inf.byIndex('color', 'blue')), ['none']);
  assert.deepEqual(names(inf.byIndex('color', 'green')), ['g1']);
  assert.deepEqual(names(inf.list('a')), ['g1']);
  await inf.stop();
});

test('an object can be filed under several values or none', async () => {
  const fake = new FakeClient();
  const inf = new Informer(fake, CONFIG_MAPS, { log });
  inf.addIndex('keys', (o) => Object.keys((o.data as Record<string, string> | undefined) ?? {}));
  fake.seed(CONFIG_MAPS, { ...cm('a', 'both'), data: { x: '1', y: '2' } }, { ...cm('a', 'empty'), data: {} });
  inf.start();
  await inf.waitForSync();
  assert.deepEqual(names(inf.byIndex('keys', 'x')), ['both']);
  assert.deepEqual(names(inf.byIndex('keys', 'y')), ['both']);
  assert.equal(inf.size, 2);
  await inf.stop();
});

test('addIndex is idempotent for the same function, rejects a different one; byIndex rejects unknown names', () => {
  const inf = new Informer(new FakeClient(), CONFIG_MAPS, { log });
  inf.addIndex('color', byColor);
  inf.addIndex('color', byColor);
  assert.ok(inf.hasIndex('color'));
  assert.throws(() => inf.addIndex('color', () => []), /already exists/);
  assert.throws(() => inf.byIndex('shape', 'round'), /no index shape/);
});
