import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { PersistentVolumeController } from './pv-controller.js';
import type { Class, PodObj, PV, PVC } from '../../machinery/storage/volume-resources.js';
import { NODES, PODS, PVCS, PVS, STORAGE_CLASSES } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const LOCAL_PATH: Class = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  provisioner: 'flotilla.dev/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
  metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
};
const claim = (cls: string | undefined, extra: Record<string, unknown> = {}): PVC => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'n', uid: 'c-uid' },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    ...(cls === undefined ? {} : { storageClassName: cls }),
    volumeMode: 'Filesystem',
  },
  status: { phase: 'Pending' },
  ...extra,
});
const volume = (name: string, size: string, extra: Record<string, unknown> = {}): PV => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: size },
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'manual',
    persistentVolumeReclaimPolicy: 'Retain',
    hostPath: { path: `/d/${name}` },
    ...extra,
  },
  status: { phase: 'Available' },
});
const pod = (nodeName?: string): PodObj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'app', namespace: 'n', uid: 'p-uid' },
  spec: {
    containers: [{ name: 'c', image: 'busybox' }],
    volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }],
    ...(nodeName ? { nodeName } : {}),
  },
});

async function setup(seed: { claims?: PVC[]; volumes?: PV[]; pods?: PodObj[]; classes?: Class[] }) {
  const fake = new FakeClient();
  fake.seed(PVCS, ...(seed.claims ?? []));
  fake.seed(PVS, ...(seed.volumes ?? []));
  fake.seed(PODS, ...(seed.pods ?? []));
  fake.seed(STORAGE_CLASSES, ...(seed.classes ?? []));
  fake.seed(NODES, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'node-1',
      labels: { 'kubernetes.io/hostname': 'node-1' },
      annotations: { 'flotilla.dev/data-dir': '/data' },
    },
  });
  const claims = new Informer<PVC>(fake, PVCS, { log });
  const volumes = new Informer<PV>(fake, PVS, { log });
  const classes = new Informer<Class>(fake, STORAGE_CLASSES, { log });
  const pods = new Informer<PodObj>(fake, PODS, { log });
  const all = [claims, volumes, classes, pods] as Informer<KubeObject>[];
  for (const i of all) i.start();
  await Promise.all(all.map((i) => i.waitForSync()));
  const recorder = new RecordingEventRecorder();
  const ctrl = new PersistentVolumeController({ client: fake, claims, volumes, classes, pods, recorder, log });
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { fake, ctrl, recorder, settle, stop: () => Promise.all(all.map((i) => i.stop())) };
}

const verbs = (fake: FakeClient) =>
  fake.actions.map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`);

test('static binding: the smallest fitting PV is bound both ways, in Kubernetes order, with phases and claim status', async () => {
  const { fake, ctrl, stop } = await setup({
    claims: [claim('manual')],
    volumes: [volume('pv-big', '5Gi'), volume('pv-fit', '2Gi'), volume('pv-small', '500Mi')],
  });
  await ctrl.reconcile({ namespace: 'n', name: 'data' });
  assert.deepEqual(verbs(fake), [
    'update persistentvolumes pv-fit',
    'update persistentvolumes/status pv-fit',
    'update persistentvolumeclaims data',
    'update persistentvolumeclaims/status data',
  ]);
  const pv = fake.peek(PVS, '', 'pv-fit') as PV;
  assert.equal(pv.spec?.claimRef?.uid, 'c-uid');
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(pv.status?.phase, 'Bound');
  const c = fake.peek(PVCS, 'n', 'data') as PVC;
  assert.equal(c.spec?.volumeName, 'pv-fit');
  assert.deepEqual(c.metadata.annotations, {
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
  });
  assert.deepEqual(c.status, { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] });
  await stop();
});

test('a bound pair is left alone; a claim with no match and no class gets FailedBinding and stays Pending', async () => {
  const { fake, ctrl, recorder, stop } = await setup({ claims: [claim('')], volumes: [volume('pv-fit', '2Gi')] });
  await ctrl.reconcile({ namespace: 'n', name: 'data' });
  await ctrl.reconcile({ namespace: '', name: 'pv-fit' });
  assert.deepEqual(verbs(fake), []);
  assert.deepEqual(recorder.events, [
    'Normal FailedBinding no persistent volumes available for this claim and no storage class is set',
  ]);
  await stop();
});

test("local-path: default class written, waits for a consumer, then provisions on the pod's node and binds", async () => {
  const { fake, ctrl, recorder, settle, stop } = await setup({
    claims: [claim(undefined)],
    pods: [pod()],
    classes: [LOCAL_PATH],
  });
  await ctrl.reconcile({ namespace: 'n', name: 'data' });
  assert.deepEqual(verbs(fake), ['update persistentvolumeclaims data'], 'retroactive default class');
  assert.equal((fake.peek(PVCS, 'n', 'data') as PVC).spec?.storageClassName, 'local-path');
  await settle();
  await ctrl.reconcile({ namespace: 'n', name: 'data' });
  assert.deepEqual(recorder.events, [
    'Normal WaitForFirstConsumer waiting for first consumer to be created before binding',
  ]);
  assert.equal(fake.actions.length, 1, 'nothing until the pod is scheduled');

  await fake.update(PODS, 'n', { ...pod('node-1'), metadata: { name: 'app', namespace: 'n' } });
  await settle();
  fake.actions.length = 0;
  await ctrl.reconcile({ namespace: 'n', name: 'data' });
  assert.deepEqual(verbs(fake), ['update persistentvolumeclaims data', 'create persistentvolumes pvc-c-uid']);
  const pv = fake.peek(PVS, '', 'pvc-c-uid') as PV;
  assert.deepEqual(pv.spec?.hostPath, { path: '/data/storage/c-uid', type: 'DirectoryOrCreate' });
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions, [
    { key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] },
  ]);
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(recorder.events.at(-1), 'Normal ProvisioningSucceeded Successfully provisioned volume pvc-c-uid');

  await settle();
  fake.actions.length = 0;
  await ctrl.reconcile({ namespace: 'n', name: 'data' });
  assert.deepEqual(verbs(fake), [
    'update persistentvolumes/status pvc-c-uid',
    'update persistentvolumeclaims data',
    'update persistentvolumeclaims/status data',
  ]);
  const c = fake.peek(PVCS, 'n', 'data') as PVC;
  assert.equal(c.spec?.volumeName, 'pvc-c-uid');
  assert.equal(c.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'flotilla.dev/local-path');
  assert.equal(c.status?.phase, 'Bound');
  await stop();
});

test("the scheduler's selected-node annotation is enough to provision", async () => {
  const { fake, ctrl, stop } = await setup({
    claims: [
      claim('local-path', {
        metadata: {
          name: 'data',
          namespace: 'n',
          uid: 'c-uid',
          annotations: { 'volume.kubernetes.io/selected-node': 'node-1' },
        },
      }),
    ],
    classes: [LOCAL_PATH],
  });
  await ctrl.reconcile({ namespace: 'n', name: 'data' });
  assert.deepEqual(verbs(fake), ['update persistentvolumeclaims data', 'create persistentvolumes pvc-c-uid']);
  await stop();
});

const boundVolume = (policy: string): PV =>
  volume('pv-1', '1Gi', {
    persistentVolumeReclaimPolicy: policy,
    claimRef: { kind: 'PersistentVolumeClaim', namespace: 'n', name: 'data', uid: 'c-uid' },
  });

test('claim gone, Delete policy, provisioned by local-path: Released, then the PV is deleted', async () => {
  const pv = {
    ...boundVolume('Delete'),
    metadata: { name: 'pv-1', annotations: { 'pv.kubernetes.io/provisioned-by': 'flotilla.dev/local-path' } },
    status: { phase: 'Bound' },
  };
  const { fake, ctrl, stop } = await setup({ volumes: [pv] });
  await ctrl.reconcile({ namespace: '', name: 'pv-1' });
  assert.deepEqual(verbs(fake), ['update persistentvolumes/status pv-1', 'delete persistentvolumes pv-1']);
  assert.equal(fake.peek(PVS, '', 'pv-1'), undefined);
  await stop();
});

test('claim gone, Retain: Released and kept; Delete of a static PV: Failed with VolumeFailedDelete', async () => {
  const { fake, ctrl, stop } = await setup({ volumes: [{ ...boundVolume('Retain'), status: { phase: 'Bound' } }] });
  await ctrl.reconcile({ namespace: '', name: 'pv-1' });
  await ctrl.reconcile({ namespace: '', name: 'pv-1' });
  assert.deepEqual(verbs(fake), ['update persistentvolumes/status pv-1']);
  assert.equal((fake.peek(PVS, '', 'pv-1') as PV).status?.phase, 'Released');
  await stop();
  const s2 = await setup({ volumes: [{ ...boundVolume('Delete'), status: { phase: 'Bound' } }] });
  await s2.ctrl.reconcile({ namespace: '', name: 'pv-1' });
  assert.deepEqual((s2.fake.peek(PVS, '', 'pv-1') as PV).status?.phase, 'Failed');
  assert.match(s2.recorder.events[0], /^Warning VolumeFailedDelete /);
  await s2.stop();
});

test('a new PV with no claimRef becomes Available', async () => {
  const fresh = { ...volume('pv-new', '1Gi'), status: { phase: 'Pending' } };
  const { fake, ctrl, stop } = await setup({ volumes: [fresh] });
  await ctrl.reconcile({ namespace: '', name: 'pv-new' });
  assert.equal((fake.peek(PVS, '', 'pv-new') as PV).status?.phase, 'Available');
  await stop();
});
