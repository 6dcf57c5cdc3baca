import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { claimsFor, newStatefulPod, ordinalOf, type StatefulSetObject } from './stateful-pod.js';
import { planStatefulSet, type PlanInput } from './statefulset-plan.js';
import { calculateStatefulSetStatus } from './statefulset-status.js';

type State = 'ready' | 'pending' | 'terminating' | 'failed';
const NOW = Date.parse('2024-01-01T00:10:00Z');

function pod(ord: number, state: State, rev = 'r1'): Pod {
  return {
    metadata: {
      name: `web-${ord}`,
      labels: { 'controller-revision-hash': rev },
      ...(state === 'terminating' ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    status:
      state === 'failed'
        ? { phase: 'Failed' }
        : state === 'pending'
          ? { phase: 'Pending' }
          : {
              phase: 'Running',
              conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
            },
  };
}

function plan(pods: Pod[], o: Partial<PlanInput> = {}) {
  const byOrd = new Map(pods.map((p) => [Number(p.metadata?.name?.split('-')[1]), p] as const));
  return planStatefulSet({
    pods: byOrd,
    replicas: 3,
    start: 0,
    ordered: true,
    partition: 0,
    updateRevision: 'r1',
    minReadySeconds: 0,
    nowMs: NOW,
    ...o,
  });
}

test('planStatefulSet: OrderedReady creates one pod at a time, each after the previous is Running and Ready', () => {
  assert.deepEqual(plan([]).steps, [{ kind: 'create', ordinal: 0, revision: 'update' }]);
  assert.deepEqual(plan([pod(0, 'pending')]), { steps: [], wait: { ordinal: 0, why: 'unhealthy' } });
  assert.deepEqual(plan([pod(0, 'ready')]).steps, [{ kind: 'create', ordinal: 1, revision: 'update' }]);
  assert.deepEqual(plan([pod(0, 'ready'), pod(1, 'ready'), pod(2, 'ready')]), { steps: [], wait: undefined });
});

test('planStatefulSet: Parallel creates every missing pod at once and deletes every condemned one', () => {
  assert.deepEqual(plan([pod(1, 'pending')], { ordered: false }).steps, [
    { kind: 'create', ordinal: 0, revision: 'update' },
    { kind: 'create', ordinal: 2, revision: 'update' },
  ]);
  assert.deepEqual(plan([pod(0, 'ready'), pod(1, 'pending'), pod(2, 'ready')], { ordered: false, replicas: 1 }).steps, [
    { kind: 'delete', ordinal: 2, name: 'web-2', reason: 'condemned' },
    { kind: 'delete', ordinal: 1, name: 'web-1', reason: 'condemned' },
  ]);
});

test('planStatefulSet: scale down removes the highest ordinal first, one per sync, waiting for terminations', () => {
  const all = [pod(0, 'ready'), pod(1, 'ready'), pod(2, 'ready')];
  assert.deepEqual(plan(all, { replicas: 1 }).steps, [
    { kind: 'delete', ordinal: 2, name: 'web-2', reason: 'condemned' },
  ]);
  assert.deepEqual(plan([pod(0, 'ready'), pod(1, 'ready'), pod(2, 'terminating')], { replicas: 1 }), {
    steps: [],
    wait: { ordinal: 2, why: 'terminating' },
  });
  // Unhealthy pods below the new size block an ordered scale down; condemned ones are deleted highest first.
  assert.deepEqual(plan([pod(0, 'pending'), pod(1, 'ready')], { replicas: 1 }), {
    steps: [],
    wait: { ordinal: 0, why: 'unhealthy' },
  });
  assert.deepEqual(plan([pod(0, 'pending'), pod(1, 'pending')], { replicas: 0 }).steps, [
    { kind: 'delete', ordinal: 1, name: 'web-1', reason: 'condemned' },
  ]);
});

test('planStatefulSet: finished pods are deleted (and recreated on a later sync)', () => {
  assert.deepEqual(plan([pod(0, 'ready'), pod(1, 'failed')]).steps, [
    { kind: 'delete', ordinal: 1, name: 'web-1', reason: 'finished' },
  ]);
});

test('planStatefulSet: RollingUpdate replaces from the highest ordinal down to the partition, one at a time', () => {
  const old = [pod(0, 'ready', 'r1'), pod(1, 'ready', 'r1'), pod(2, 'ready', 'r1')];
  assert.deepEqual(plan(old, { updateRevision: 'r2' }).steps, [
    { kind: 'delete', ordinal: 2, name: 'web-2', reason: 'update' },
  ]);
  assert.deepEqual(plan([pod(0, 'ready', 'r1'), pod(1, 'ready', 'r1')], { updateRevision: 'r2' }).steps, [
    { kind: 'create', ordinal: 2, revision: 'update' },
  ]);
  assert.deepEqual(
    plan([pod(0, 'ready', 'r1'), pod(1, 'ready', 'r1'), pod(2, 'pending', 'r2')], { updateRevision: 'r2' }),
    { steps: [], wait: { ordinal: 2, why: 'unhealthy' } },
  );
  assert.deepEqual(
    plan([pod(0, 'ready', 'r1'), pod(1, 'ready', 'r1'), pod(2, 'ready', 'r2')], { updateRevision: 'r2' }).steps,
    [{ kind: 'delete', ordinal: 1, name: 'web-1', reason: 'update' }],
  );
  // partition 2: web-0 and web-1 stay; a missing web-1 is recreated from the current revision.
  assert.deepEqual(
    plan([pod(0, 'ready', 'r1'), pod(1, 'ready', 'r1'), pod(2, 'ready', 'r2')], { updateRevision: 'r2', partition: 2 }),
    { steps: [], wait: undefined },
  );
  assert.deepEqual(plan([pod(0, 'ready', 'r1')], { updateRevision: 'r2', partition: 2 }).steps, [
    { kind: 'create', ordinal: 1, revision: 'current' },
  ]);
  // OnDelete: nothing is replaced.
  assert.deepEqual(plan(old, { updateRevision: 'r2', partition: undefined }).steps, []);
});

test('calculateStatefulSetStatus: counts, and the update revision becomes current once every pod is updated and ready', () => {
  const base = {
    rollingUpdate: true,
    currentRevision: 'r1',
    updateRevision: 'r2',
    collisionCount: 0,
    observedGeneration: 4,
    minReadySeconds: 0,
    nowMs: NOW,
  };
  assert.deepEqual(
    calculateStatefulSetStatus({
      ...base,
      pods: [pod(0, 'ready', 'r1'), pod(1, 'pending', 'r2'), pod(2, 'terminating', 'r1')],
    }),
    {
      observedGeneration: 4,
      replicas: 2,
      readyReplicas: 1,
      availableReplicas: 1,
      currentReplicas: 1,
      updatedReplicas: 1,
      currentRevision: 'r1',
      updateRevision: 'r2',
      collisionCount: 0,
    },
  );
  const done = calculateStatefulSetStatus({ ...base, pods: [pod(0, 'ready', 'r2'), pod(1, 'ready', 'r2')] });
  assert.deepEqual([done.currentRevision, done.currentReplicas, done.updatedReplicas], ['r2', 2, 2]);
});

test('stateful pods: name, identity, hostname/subdomain, claim volumes; claims with retention owner', () => {
  const set = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'n', uid: 'u1' },
    spec: {
      serviceName: 'svc',
      selector: { matchLabels: { app: 'db' } },
      template: {},
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
    },
  } as unknown as StatefulSetObject;
  const p = newStatefulPod(
    set,
    {
      metadata: { labels: { app: 'db' } },
      spec: { containers: [{ name: 'c' }], volumes: [{ name: 'data', emptyDir: {} }] },
    },
    2,
    'db-abc',
  );
  assert.deepEqual(p.metadata, {
    name: 'db-2',
    namespace: 'n',
    labels: {
      app: 'db',
      'statefulset.kubernetes.io/pod-name': 'db-2',
      'apps.kubernetes.io/pod-index': '2',
      'controller-revision-hash': 'db-abc',
    },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u1', controller: true, blockOwnerDeletion: true },
    ],
  });
  assert.deepEqual(p.spec, {
    containers: [{ name: 'c' }],
    hostname: 'db-2',
    subdomain: 'svc',
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-2' } }],
  });
  const [claim] = claimsFor(set, 2) as KubeObject[];
  assert.deepEqual(claim.metadata, {
    name: 'data-db-2',
    namespace: 'n',
    labels: { app: 'db' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'db',
        uid: 'u1',
        controller: false,
        blockOwnerDeletion: true,
      },
    ],
  });
  assert.equal(ordinalOf('db', 'db-12'), 12);
  assert.equal(ordinalOf('db', 'dbx-1'), undefined);
  assert.equal(ordinalOf('db', 'db-a'), undefined);
});
