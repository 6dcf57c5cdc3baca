import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findBestMatch } from '../../machinery/storage/pv-matching.js';
import { claimBoundTo, volumeClaimedBy } from './binding.js';
import { localPathVolume } from './local-path-provisioner.js';
import { defaultClassOf, type Class, type PV, type PVC } from '../../machinery/storage/volume-resources.js';

const claim = (extra: Partial<NonNullable<PVC['spec']>> = {}): PVC => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'n', uid: 'c-uid', resourceVersion: '7' },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    storageClassName: 'manual',
    ...extra,
  },
});
const pv = (
  name: string,
  size: string,
  extra: Partial<NonNullable<PV['spec']>> = {},
  labels?: Record<string, string>,
): PV => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: {
    capacity: { storage: size },
    accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
    storageClassName: 'manual',
    hostPath: { path: `/d/${name}` },
    ...extra,
  },
  status: { phase: 'Available' },
});

test('findBestMatch: smallest volume that fits class, modes, size, selector and volumeMode', () => {
  const vols = [
    pv('big', '10Gi'),
    pv('small', '500Mi'),
    pv('fit', '2Gi'),
    pv('other-class', '1Gi', { storageClassName: 'fast' }),
    pv('rwx', '1Gi', { accessModes: ['ReadWriteMany'] }),
    pv('block', '1Gi', { volumeMode: 'Block' }),
  ];
  assert.equal(findBestMatch(claim(), vols, 'manual')?.metadata.name, 'fit');
  assert.equal(findBestMatch(claim(), vols, 'fast')?.metadata.name, 'other-class');
  assert.equal(findBestMatch(claim({ accessModes: ['ReadWriteMany'] }), vols, 'manual')?.metadata.name, 'rwx');
  assert.equal(findBestMatch(claim({ volumeMode: 'Block' }), vols, 'manual')?.metadata.name, 'block');
  assert.equal(findBestMatch(claim({ resources: { requests: { storage: '20Gi' } } }), vols, 'manual'), undefined);
  const labelled = [pv('a', '1Gi', {}, { tier: 'gold' }), pv('b', '1Gi')];
  assert.equal(
    findBestMatch(claim({ selector: { matchLabels: { tier: 'gold' } } }), labelled, 'manual')?.metadata.name,
    'a',
  );
});

test('findBestMatch: claimed, not Available or deleting volumes are skipped; a volume pre-bound to the claim wins', () => {
  const taken = pv('taken', '1Gi', { claimRef: { namespace: 'n', name: 'other' } });
  const pending = { ...pv('pending', '1Gi'), status: { phase: 'Pending' } };
  assert.equal(findBestMatch(claim(), [taken, pending], 'manual'), undefined);
  const pre = {
    ...pv('pre', '5Gi', { claimRef: { namespace: 'n', name: 'data' }, storageClassName: '' }),
    status: { phase: 'Pending' },
  };
  assert.equal(findBestMatch(claim(), [pv('fit', '1Gi'), pre], 'manual')?.metadata.name, 'pre');
  const node = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } };
  const pinned = pv('pinned', '1Gi', {
    nodeAffinity: {
      required: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }],
      },
    },
  });
  assert.equal(findBestMatch(claim(), [pinned], 'manual', node), undefined);
  assert.equal(findBestMatch(claim(), [pinned], 'manual')?.metadata.name, 'pinned');
});

test('binding builders: claimRef with uid + bound-by-controller on the PV; volumeName + both annotations on the claim; no-ops when done', () => {
  const v = volumeClaimedBy(pv('fit', '1Gi'), claim());
  assert.deepEqual(v?.spec?.claimRef, {
    kind: 'PersistentVolumeClaim',
    namespace: 'n',
    name: 'data',
    uid: 'c-uid',
    apiVersion: 'v1',
    resourceVersion: '7',
  });
  assert.deepEqual(v?.metadata.annotations, { 'pv.kubernetes.io/bound-by-controller': 'yes' });
  assert.equal(v && volumeClaimedBy(v, claim()), undefined);
  const userPrebound = volumeClaimedBy(pv('x', '1Gi', { claimRef: { namespace: 'n', name: 'data' } }), claim());
  assert.equal(
    userPrebound?.metadata.annotations,
    undefined,
    'a user pre-bind is completed without bound-by-controller',
  );
  const c = claimBoundTo(claim(), pv('fit', '1Gi'));
  assert.equal(c?.spec?.volumeName, 'fit');
  assert.deepEqual(c?.metadata.annotations, {
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
  });
  assert.equal(c && claimBoundTo(c, pv('fit', '1Gi')), undefined);
});

test('localPathVolume: pvc-<uid>, <data-dir>/storage/<uid>, pinned to the node, pre-bound, class reclaim policy', () => {
  const sc: Class = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local-path' },
    provisioner: 'flotilla.dev/local-path',
    reclaimPolicy: 'Retain',
  };
  const node = {
    metadata: {
      name: 'n1',
      labels: { 'kubernetes.io/hostname': 'host-1' },
      annotations: { 'flotilla.dev/data-dir': '/srv/fl/' },
    },
  };
  const v = localPathVolume(claim({ storageClassName: 'local-path' }), sc, node);
  assert.equal(v.metadata.name, 'pvc-c-uid');
  assert.deepEqual(v.spec?.hostPath, { path: '/srv/fl/storage/c-uid', type: 'DirectoryOrCreate' });
  assert.deepEqual(v.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
    { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host-1'] }] },
  ]);
  assert.equal(v.spec?.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(v.spec?.claimRef?.uid, 'c-uid');
  assert.deepEqual(v.spec?.capacity, { storage: '1Gi' });
  assert.equal(
    localPathVolume(claim(), sc, { metadata: { name: 'n2' } }).spec?.hostPath?.path,
    '/var/lib/flotilla/storage/c-uid',
  );
});

test('defaultClassOf: the newest class marked default (GA or beta annotation)', () => {
  const sc = (name: string, created: string, def?: string): Class => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    provisioner: 'p',
    metadata: { name, creationTimestamp: created, ...(def ? { annotations: { [def]: 'true' } } : {}) },
  });
  assert.equal(defaultClassOf([sc('a', '2024-01-01T00:00:00Z')]), undefined);
  assert.equal(
    defaultClassOf([
      sc('old', '2024-01-01T00:00:00Z', 'storageclass.kubernetes.io/is-default-class'),
      sc('new', '2024-02-01T00:00:00Z', 'storageclass.beta.kubernetes.io/is-default-class'),
    ])?.metadata.name,
    'new',
  );
});
