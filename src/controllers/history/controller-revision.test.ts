import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import {
  hashRevisionData,
  newRevision,
  nextRevisionNumber,
  ownedRevisions,
  revisionData,
  revisionsToPrune,
  templateOfRevision,
  type Revision,
} from './controller-revision.js';
import { syncRevisions } from './revision-store.js';
import { CONTROLLER_REVISIONS } from '../../machinery/resources/well-known.js';

const PARENT: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'n', uid: 'p-uid' },
};
const T1 = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'a:1' }] } };
const T2 = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'a:2' }] } };

test('revision data replaces the whole template and reads back; hash is stable, key-order independent, and moved by collisionCount', () => {
  const data = revisionData(T1);
  assert.deepEqual(data, { spec: { template: { ...T1, $patch: 'replace' } } });
  assert.deepEqual(templateOfRevision({ revision: 1, data }), T1);
  assert.equal(
    hashRevisionData(data),
    hashRevisionData(
      JSON.parse(JSON.stringify({ spec: { template: { $patch: 'replace', spec: T1.spec, metadata: T1.metadata } } })),
    ),
  );
  assert.notEqual(hashRevisionData(data, 0), hashRevisionData(data, 1));
  assert.match(hashRevisionData(data), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
});

test('newRevision: name, labels (name or hash), controller reference, revision number', () => {
  const sts = newRevision(PARENT, T1, { hashLabel: 'name', revision: 3, collisionCount: 0 });
  const hash = hashRevisionData(revisionData(T1), 0);
  assert.equal(sts.metadata.name, `web-${hash}`);
  assert.deepEqual(sts.metadata.labels, { app: 'web', 'controller-revision-hash': `web-${hash}` });
  assert.deepEqual(sts.metadata.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'web',
      uid: 'p-uid',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(sts.revision, 3);
  assert.equal(
    newRevision(PARENT, T1, { hashLabel: 'hash', revision: 1, collisionCount: 0 }).metadata.labels?.[
      'controller-revision-hash'
    ],
    hash,
  );
});

test('history: owned revisions sorted, next number, pruning keeps live ones and the newest within the limit', () => {
  const r = (name: string, revision: number, uid = 'p-uid'): Revision => ({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: 'n',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid, controller: true }],
    },
    revision,
  });
  const owned = ownedRevisions(PARENT, [r('c', 3), r('a', 1), r('x', 9, 'other'), r('b', 2)]);
  assert.deepEqual(
    owned.map((x) => x.metadata.name),
    ['a', 'b', 'c'],
  );
  assert.equal(nextRevisionNumber(owned), 4);
  assert.equal(nextRevisionNumber([]), 1);
  assert.deepEqual(
    revisionsToPrune(owned, new Set(['c']), 1).map((x) => x.metadata.name),
    ['a'],
  );
  assert.deepEqual(
    revisionsToPrune(owned, new Set(['a']), 0).map((x) => x.metadata.name),
    ['b', 'c'],
  );
});

test('syncRevisions: creates the first; reuses an equal one; renumbers an older equal one (rollback); a name taken by other data raises collisionCount', async () => {
  const fake = new FakeClient();
  const first = await syncRevisions(fake, PARENT, T1, [], { hashLabel: 'name', collisionCount: 0 });
  assert.equal(first.update.revision, 1);
  assert.deepEqual(
    fake.actions.map((a) => a.verb),
    ['create'],
  );
  const again = await syncRevisions(fake, PARENT, T1, [first.update], {
    hashLabel: 'name',
    collisionCount: 0,
    currentRevisionName: first.update.metadata.name,
  });
  assert.equal(again.update.metadata.name, first.update.metadata.name);
  assert.equal(fake.actions.length, 1);
  const second = await syncRevisions(fake, PARENT, T2, [first.update], {
    hashLabel: 'name',
    collisionCount: 0,
    currentRevisionName: first.update.metadata.name,
  });
  assert.equal(second.update.revision, 2);
  assert.equal(second.current.metadata.name, first.update.metadata.name);
  const back = await syncRevisions(fake, PARENT, T1, second.revisions, { hashLabel: 'name', collisionCount: 0 });
  assert.equal(back.update.metadata.name, first.update.metadata.name);
  assert.equal(back.update.revision, 3);
  assert.deepEqual(fake.actions.at(-1), {
    verb: 'patch',
    resource: 'controllerrevisions',
    namespace: 'n',
    name: first.update.metadata.name,
    body: { revision: 3, metadata: { resourceVersion: first.update.metadata.resourceVersion } },
  });

  const squatter = newRevision(PARENT, T2, { hashLabel: 'name', revision: 1, collisionCount: 0 });
  const other = new FakeClient();
  other.seed(CONTROLLER_REVISIONS, {
    ...squatter,
    metadata: {
      ...squatter.metadata,
      name: newRevision(PARENT, T1, { hashLabel: 'name', revision: 1, collisionCount: 0 }).metadata.name,
    },
  });
  const bumped = await syncRevisions(other, PARENT, T1, [], { hashLabel: 'name', collisionCount: 0 });
  assert.equal(bumped.collisionCount, 1);
  assert.equal(
    bumped.update.metadata.name,
    newRevision(PARENT, T1, { hashLabel: 'name', revision: 1, collisionCount: 1 }).metadata.name,
  );
});
