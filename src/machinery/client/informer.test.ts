import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Informer } from './informer.js';
import { FakeClient } from './testing/fake-client.js';
import type { KubeObject } from '../../api/object.js';

const log = pino({ level: 'silent' });
const cms = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
const cm = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name },
});
const tick = () => new Promise((r) => setTimeout(r, 5));

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await tick();
  assert.ok(cond(), 'condition not reached');
}

test('lists, syncs, then follows watch events with typed handlers', async () => {
  const fake = new FakeClient();
  fake.seed(cms, cm('a', 'one'), cm('b', 'two'));
  const inf = new Informer(fake, cms, { log });
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
  await tick();
  seen.length = 0;
  const before = inf.get('a', 'one')?.metadata.resourceVersion;
  await fake.patch(cms, 'a', 'one', 'merge', { data: { x: '1' } });
  await fake.delete(cms, 'b', 'two');
  await fake.create(cms, 'a', cm('a', 'three'));
  await until(() => seen.length === 3);
  const after = inf.get('a', 'one')?.metadata.resourceVersion;
  assert.deepEqual(seen, [`update one ${before}->${after}`, 'delete two', 'add three']);
  assert.equal(inf.get('b', 'two'), undefined);
  await inf.stop();
});

test('a 410 ERROR event makes it relist and deliver what it missed, deletes included', async () => {
  const fake = new FakeClient();
  fake.seed(cms, cm('a', 'keep'), cm('a', 'gone'));
  const inf = new Informer(fake, cms, { log, minBackoffMs: 1 });
  const deleted: string[] = [];
  const added: string[] = [];
  inf.addHandlers({
    onDelete: (o) => deleted.push(o.metadata.name ?? ''),
    onAdd: (o) => added.push(o.metadata.name ?? ''),
  });
  inf.start();
  await inf.waitForSync();
  await tick();
  // Simulate a missed window: change the store behind the watch's back, then expire the watch.
  fake.endWatches(cms);
  await tick();
  fake.seed(cms, cm('a', 'new'));
  fake.removeSilently(cms, 'a', 'gone');
  fake.emitTo(cms, { type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version' } });
  await until(() => deleted.length === 1 && added.includes('new'));
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
  fake.seed(cms, cm('a', 'x'));
  let calls = 0;
  const realList = fake.list.bind(fake);
  fake.list = async (...args) => {
    if (++calls < 3) throw new Error('connection refused');
    return realList(...args);
  };
  const inf = new Informer(fake, cms, { log, minBackoffMs: 1 });
  inf.start();
  await inf.waitForSync();
  assert.equal(calls, 3);
  assert.equal(inf.size, 1);
  await inf.stop();
});

test('transform shrinks cached objects', async () => {
  const fake = new FakeClient();
  fake.seed(cms, { ...cm('a', 'big'), data: { blob: 'x'.repeat(1000) } });
  const inf = new Informer(fake, cms, {
    log,
    transform: (o): KubeObject => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata }),
  });
  inf.start();
  await inf.waitForSync();
  assert.equal(inf.get('a', 'big')?.data, undefined);
  await inf.stop();
});
