import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './object.js';
import { addProtectionFinalizer } from './storage-protection.js';

test('the protection finalizer goes on claims and volumes only, once', () => {
  const c: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' } };
  addProtectionFinalizer('PersistentVolumeClaim', c);
  addProtectionFinalizer('PersistentVolumeClaim', c);
  assert.deepEqual(c.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  const v: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v', finalizers: ['x'] } };
  addProtectionFinalizer('PersistentVolume', v);
  assert.deepEqual(v.metadata.finalizers, ['x', 'kubernetes.io/pv-protection']);
  const s: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } };
  addProtectionFinalizer('Secret', s);
  assert.equal(s.metadata.finalizers, undefined);
});
