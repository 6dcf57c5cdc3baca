import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyPatch } from './apply-patch.js';
import { mergeApplied } from './apply-merge.js';
import { pod } from './testing/type-fixture.js';

const live: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: '1' } },
  spec: { containers: [{ name: 'a', image: 'x' }] },
};

test('applyPatch dispatches by media type, ignoring parameters', () => {
  assert.deepEqual(
    applyPatch('application/json-patch+json', live, [{ op: 'replace', path: '/metadata/labels/a', value: '2' }], pod)
      .metadata.labels,
    { a: '2' },
  );
  assert.deepEqual(
    applyPatch('application/merge-patch+json; charset=utf-8', live, { spec: { containers: [{ name: 'b' }] } }, pod)
      .spec,
    { containers: [{ name: 'b' }] },
  );
  assert.deepEqual(
    applyPatch('application/strategic-merge-patch+json', live, { spec: { containers: [{ name: 'b' }] } }, pod).spec,
    { containers: [{ name: 'b' }, { name: 'a', image: 'x' }] },
  );
  assert.throws(
    () => applyPatch('text/plain', live, {}, pod),
    (e: unknown) => e instanceof ApiError && e.code === 415,
  );
  assert.throws(
    () => applyPatch('application/json-patch+json', live, [{ op: 'replace', path: '', value: 3 }], pod),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
  assert.deepEqual(live.metadata.labels, { a: '1' });
});

test('apply merge: list-map items follow the configuration order, live-only items stay in place', () => {
  const t = pod.field('spec');
  const merged = mergeApplied(
    {
      containers: [
        { name: 'a', image: '1' },
        { name: 'x', image: 'live' },
        { name: 'b', image: '1' },
      ],
    },
    { containers: [{ name: 'b', image: '2' }, { name: 'a' }, { name: 'n', image: 'new' }] },
    t,
  );
  assert.deepEqual(merged, {
    containers: [
      { name: 'x', image: 'live' },
      { name: 'b', image: '2' },
      { name: 'a', image: '1' },
      { name: 'n', image: 'new' },
    ],
  });
  assert.deepEqual(mergeApplied({ m: { a: 1 }, l: [1] }, { m: { b: 2 }, l: [2], z: null }, undefined), {
    m: { a: 1, b: 2 },
    l: [2],
  });
  const meta = pod.field('metadata');
  assert.deepEqual(mergeApplied({ finalizers: ['a', 'b'] }, { finalizers: ['c', 'a'] }, meta), {
    finalizers: ['c', 'a', 'b'],
  });
});
