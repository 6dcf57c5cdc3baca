import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Informer } from './informer.js';
import { controlledBy, controlledByName, podsOnNode } from './indexes.js';
import { FakeClient } from './testing/fake-client.js';
import { PODS } from '../resources/well-known.js';
import type { ObjectOf } from '../resources/resource.js';

const log = pino({ level: 'silent' });
const tick = () => new Promise((r) => setTimeout(r, 5));

const pod = (
  name: string,
  o: { owner?: { kind: string; name: string; uid: string }; node?: string } = {},
): ObjectOf<Pod> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    namespace: 'n',
    name,
    ...(o.owner ? { ownerReferences: [{ apiVersion: 'batch/v1', ...o.owner, controller: true }] } : {}),
  },
  spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
});
const names = (pods: ObjectOf<Pod>[]) => pods.map((p) => p.metadata.name).sort();

test('controlledBy, controlledByName and podsOnNode read indexes that follow binds, adoption and deletes', async () => {
  const fake = new FakeClient();
  const job = { kind: 'Job', name: 'j', uid: 'u1' };
  fake.seed(PODS, pod('a', { owner: job, node: 'n1' }), pod('b', { owner: { ...job, uid: 'old' } }), pod('c'));
  const pods = new Informer(fake, PODS, { log });
  pods.start();
  await pods.waitForSync();
  await tick(); // the watch is open
  assert.deepEqual(names(controlledBy(pods, 'u1')), ['a']);
  assert.deepEqual(names(controlledByName(pods, 'n', 'Job', 'j')), ['a', 'b']);
  assert.deepEqual(names(podsOnNode(pods, 'n1')), ['a']);
  assert.deepEqual(controlledBy(pods, undefined), []);

  // Adopting c and binding it to n1 files it under both; deleting a drops it.
  await fake.patch(PODS, 'n', 'c', 'merge', {
    metadata: { ownerReferences: [{ apiVersion: 'batch/v1', ...job, controller: true }] },
    spec: { nodeName: 'n1' },
  });
  await fake.delete(PODS, 'n', 'a');
  for (let i = 0; i < 200 && pods.get('n', 'a'); i++) await tick();
  assert.deepEqual(names(controlledBy(pods, 'u1')), ['c']);
  assert.deepEqual(names(podsOnNode(pods, 'n1')), ['c']);
  assert.deepEqual(names(controlledByName(pods, 'n', 'Job', 'j')), ['b', 'c']);
  await pods.stop();
});
