import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../store/index.js';
import { CompactedError } from '../store/store.js';
import { startCompactor } from './compactor.js';

test('compacts to the revision current one interval earlier', async () => {
  const store = await openStore('memory', '');
  for (let i = 0; i < 5; i++) await store.create(`/registry/k/${i}`, Buffer.from('{}'));
  const compactor = startCompactor({ store, intervalMs: 3_600_000 });
  await compactor.tick(); // may overlap the first automatic round, which also only records the mark
  const firstMark = await store.currentRevision();
  assert.equal(await store.compactedRevision(), 0, 'the first round only records where history starts');
  for (let i = 5; i < 10; i++) await store.create(`/registry/k/${i}`, Buffer.from('{}'));
  await compactor.tick();
  compactor.stop();
  assert.equal(await store.compactedRevision(), firstMark);
  await assert.rejects(store.list('/registry/', { revision: firstMark - 1 }), CompactedError);
  assert.equal((await store.list('/registry/')).items.length, 10, 'current state is kept');
  await store.close();
});
