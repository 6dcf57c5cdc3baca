import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.js';
import { planDependent, type OwnerState } from './plan-dependent.js';

const ref = (uid: string, block = false) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: `o-${uid}`,
  uid,
  ...(block ? { blockOwnerDeletion: true } : {}),
});
const dep = (refs: ReturnType<typeof ref>[], extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'd', namespace: 'n', uid: 'd1', ownerReferences: refs, ...extra },
});
const states = (o: Record<string, OwnerState>) => new Map(Object.entries(o));

test("all owners gone: delete in the background (or as the dependent's finalizers ask)", () => {
  assert.deepEqual(planDependent(dep([ref('a'), ref('b')]), states({ a: 'dangling', b: 'dangling' }), false), {
    type: 'delete',
    propagationPolicy: 'Background',
  });
  assert.deepEqual(planDependent(dep([ref('a')], { finalizers: ['orphan'] }), states({ a: 'dangling' }), false), {
    type: 'delete',
    propagationPolicy: 'Orphan',
  });
});

test('one solid owner keeps the object; references to gone owners are dropped', () => {
  assert.deepEqual(planDependent(dep([ref('a')]), states({ a: 'solid' }), false), { type: 'none' });
  assert.deepEqual(planDependent(dep([ref('a'), ref('b')]), states({ a: 'solid', b: 'dangling' }), false), {
    type: 'update-owner-references',
    ownerReferences: [ref('a')],
  });
});

test('a solid owner and one deleting in the foreground: unblock that one, keep the object', () => {
  assert.deepEqual(planDependent(dep([ref('a'), ref('b', true)]), states({ a: 'solid', b: 'waiting' }), false), {
    type: 'update-owner-references',
    ownerReferences: [ref('a'), { ...ref('b'), blockOwnerDeletion: false }],
  });
});

test('an owner waiting in the foreground: delete, in the foreground when the object has dependents', () => {
  assert.deepEqual(planDependent(dep([ref('a', true)]), states({ a: 'waiting' }), true), {
    type: 'delete',
    propagationPolicy: 'Foreground',
  });
  assert.deepEqual(planDependent(dep([ref('a', true)]), states({ a: 'waiting' }), false), {
    type: 'delete',
    propagationPolicy: 'Background',
  });
});

test('objects being deleted or without owners are left alone', () => {
  assert.deepEqual(
    planDependent(dep([ref('a')], { deletionTimestamp: '2024-01-01T00:00:00Z' }), states({ a: 'dangling' }), false),
    { type: 'none' },
  );
  assert.deepEqual(planDependent(dep([]), states({}), false), { type: 'none' });
});
