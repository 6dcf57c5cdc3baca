import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodObj, PV, PVC } from '../../machinery/storage/volume-resources.js';
import { releasableClaim, releasableVolume } from './volume-protection.js';

const claim = (deleting: boolean, finalizers = ['kubernetes.io/pvc-protection', 'example.com/keep']): PVC => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: {
    name: 'data',
    namespace: 'n',
    finalizers,
    ...(deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
  },
  spec: {},
});
const pod = (phase: string, claimName = 'data'): PodObj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'n' },
  spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] },
  status: { phase },
});

test('a deleted claim is released only when no running or pending pod names it', () => {
  assert.equal(releasableClaim(claim(false), []), undefined, 'not being deleted');
  assert.equal(releasableClaim(claim(true), [pod('Running')]), undefined);
  assert.equal(releasableClaim(claim(true), [pod('Pending')]), undefined);
  assert.deepEqual(releasableClaim(claim(true), [pod('Succeeded'), pod('Running', 'other')]), ['example.com/keep']);
  assert.equal(
    releasableClaim(claim(true, ['example.com/keep']), []),
    undefined,
    'no protection finalizer: nothing to do',
  );
});

test('a deleted volume is released once it is not Bound', () => {
  const pv = (phase: string, deleting = true): PV => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: 'v',
      finalizers: ['kubernetes.io/pv-protection'],
      ...(deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {},
    status: { phase },
  });
  assert.equal(releasableVolume(pv('Bound')), undefined);
  assert.equal(releasableVolume(pv('Released', false)), undefined);
  assert.deepEqual(releasableVolume(pv('Released')), []);
});
