import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  calculateDeploymentStatus,
  deploymentTimedOut,
  rolloutStatus,
  progressRecheckMs,
  type Dep,
} from './deployment-status.js';
import { setCondition, newCondition } from './deployment-conditions.js';
import { computeHash, equalIgnoreHash, fnv32a } from './pod-template-hash.js';
import { findActiveOrLatest, findNewReplicaSet, type RS } from './replica-set-list.js';
import { setNewReplicaSetAnnotations } from './revisions.js';
import {
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  resolveFenceposts,
} from './rollout-math.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');

function rs(
  name: string,
  replicas: number,
  o: {
    available?: number;
    created?: number;
    annotations?: Record<string, string>;
    image?: string;
    statusReplicas?: number;
  } = {},
): RS {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      creationTimestamp: new Date(T0 + (o.created ?? 0) * 1000).toISOString(),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      replicas,
      selector: {},
      template: {
        metadata: { labels: { app: 'a', 'pod-template-hash': name } },
        spec: { containers: [{ name: 'c', image: o.image ?? 'i' }] },
      },
    },
    status: {
      replicas: o.statusReplicas ?? replicas,
      availableReplicas: o.available ?? 0,
      readyReplicas: o.available ?? 0,
    },
  };
}

function dep(replicas: number, extra: Record<string, unknown> = {}, status: Dep['status'] = {}): Dep {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation: 1 },
    spec: {
      replicas,
      selector: {},
      template: {},
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...extra,
    },
    status,
  } as Dep;
}

test('resolveFenceposts: surge rounds up, unavailable down, never both 0', () => {
  const cases: [number | string, number | string, number, number, number][] = [
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 3, 1, 0],
    ['25%', '25%', 1, 1, 0],
    [0, 0, 5, 0, 1],
    ['0%', '0%', 5, 0, 1],
    [2, '50%', 5, 2, 2],
    ['100%', 0, 4, 4, 0],
  ];
  for (const [s, u, n, surge, unavailable] of cases)
    assert.deepEqual(resolveFenceposts(s, u, n), { surge, unavailable }, `${s}/${u} of ${n}`);
  assert.equal(maxUnavailable({ replicas: 0 }), 0);
  assert.equal(
    maxUnavailable({
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 5 } },
    }),
    2,
    'capped at replicas',
  );
  assert.equal(maxSurge({ replicas: 4, strategy: { type: 'Recreate' } }), 0);
});

test('newRSNewReplicas and maxScaledDown: a 3-replica rolling update step by step', () => {
  const spec = {
    replicas: 3,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
  };
  const old = rs('old', 3, { available: 3 });
  const fresh = rs('new', 0);
  assert.equal(newRSNewReplicas(spec, [old, fresh], fresh), 1, 'surge room of 1');
  const grown = rs('new', 1);
  assert.equal(newRSNewReplicas(spec, [old, grown], grown), 1, 'no room until old shrinks');
  assert.equal(maxScaledDown(spec, [old, grown], grown), 0, '4 pods, 3 must stay available, the new one is not yet');
  const ready = rs('new', 1, { available: 1 });
  assert.equal(maxScaledDown(spec, [old, ready], ready), 1);
  assert.equal(newRSNewReplicas({ replicas: 3, strategy: { type: 'Recreate' } }, [old, fresh], fresh), 3);
});

test('proportion: resizing mid-rollout splits the change by size (10 -> 15 with 25% surge)', () => {
  const spec = {
    replicas: 15,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
  };
  const a = rs('a', 8, { annotations: { 'deployment.kubernetes.io/max-replicas': '13' } });
  const b = rs('b', 5, { annotations: { 'deployment.kubernetes.io/max-replicas': '13' } });
  // allowed 15 + 4 = 19, now 13: add 6, 8*19/13=11.69 -> 12 (+4), then b gets the rest capped (+2)
  const pa = proportion(a, spec, 13, 6, 0);
  assert.equal(pa, 4);
  assert.equal(proportion(b, spec, 13, 6, pa), 2);
  assert.equal(proportion(a, { ...spec, replicas: 0 }, 13, -13, 0), -8, 'scaling to zero removes all');
});

test('computeHash: stable, template-sensitive, collisionCount changes it, safe alphabet', () => {
  const t = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(structuredClone(t)), h);
  assert.equal(computeHash({ spec: t.spec, metadata: t.metadata }), h, 'key order does not matter');
  assert.notEqual(computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }), h);
  assert.notEqual(computeHash(t, 1), h);
  assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c, 'FNV-1a test vector');
  assert.ok(
    equalIgnoreHash(
      { metadata: { labels: { app: 'a', 'pod-template-hash': 'x' } } },
      { metadata: { labels: { app: 'a' } } },
    ),
  );
});

test('findNewReplicaSet: the oldest ReplicaSet with the template; findActiveOrLatest', () => {
  const d = dep(3, {
    template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
  });
  const older = rs('x', 1, { created: 1 });
  const newer = rs('y', 1, { created: 2 });
  assert.equal(findNewReplicaSet(d.spec?.template, [newer, older])?.metadata.name, 'x');
  assert.equal(findNewReplicaSet(d.spec?.template, [rs('z', 1, { image: 'other' })]), undefined);
  assert.equal(findActiveOrLatest(rs('n', 0, { created: 5 }), [rs('o', 3, { created: 1 })])?.metadata.name, 'o');
  assert.equal(
    findActiveOrLatest(undefined, [rs('o1', 0, { created: 1 }), rs('o2', 0, { created: 2 })])?.metadata.name,
    'o2',
  );
  assert.equal(findActiveOrLatest(rs('n', 1), [rs('o', 1)]), undefined);
});

test('setNewReplicaSetAnnotations: copies annotations, bumps the revision and keeps history on reuse', () => {
  const fresh = rs('n', 0);
  assert.ok(
    setNewReplicaSetAnnotations(
      { team: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '9' },
      fresh,
      1,
      false,
      3,
      4,
    ),
  );
  assert.deepEqual(fresh.metadata.annotations, {
    team: 'x',
    'deployment.kubernetes.io/revision': '1',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  const reused = rs('o', 0, { annotations: { 'deployment.kubernetes.io/revision': '1' } });
  setNewReplicaSetAnnotations({}, reused, 3, true, 3, 4);
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  setNewReplicaSetAnnotations({}, reused, 5, true, 3, 4);
  assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1,3');
  assert.ok(!setNewReplicaSetAnnotations({}, reused, 5, true, 3, 4), 'nothing changes at the same revision');
});

test('status: counts, Available condition, Progressing reasons, deadline', () => {
  const d = dep(3, {}, { updatedReplicas: 0, replicas: 3, availableReplicas: 3 });
  const old = rs('old', 2, { available: 2 });
  const fresh = rs('new', 2, { available: 0 });
  const s = calculateDeploymentStatus(d, [old, fresh], fresh, T0);
  assert.deepEqual(
    { ...s, conditions: s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`) },
    {
      observedGeneration: 1,
      replicas: 4,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 2,
      conditions: ['Available=False/MinimumReplicasUnavailable'],
    },
    '2 available < 3 - maxUnavailable 0',
  );
  const progressing = rolloutStatus(d, [old, fresh], fresh, T0);
  assert.equal(progressing.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
  const doneD = dep(3, {}, {});
  const done = rolloutStatus(doneD, [rs('new', 3, { available: 3 })], rs('new', 3, { available: 3 }), T0);
  assert.equal(
    done.conditions?.find((c) => c.type === 'Progressing')?.message,
    'ReplicaSet "new" has successfully progressed.',
  );
  const stuckStatus = {
    replicas: 2,
    updatedReplicas: 2,
    conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'x', T0)],
  };
  const stuck = dep(3, {}, stuckStatus);
  assert.ok(!deploymentTimedOut(stuck, stuckStatus, T0 + 600_000));
  assert.ok(deploymentTimedOut(stuck, stuckStatus, T0 + 600_001));
  assert.equal(progressRecheckMs(stuck, { replicas: 3 }, T0 + 100_000), 500_000);
  const timedOut = rolloutStatus(stuck, [fresh], fresh, T0 + 601_000);
  assert.equal(timedOut.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ProgressDeadlineExceeded');
});

test('setCondition keeps lastTransitionTime when only the reason changes', () => {
  const s = {};
  setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'a', T0));
  setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', 'b', T0 + 5000));
  assert.deepEqual((s as { conditions: unknown[] }).conditions, [
    {
      type: 'Progressing',
      status: 'True',
      lastUpdateTime: '2024-01-01T00:00:05Z',
      lastTransitionTime: '2024-01-01T00:00:00Z',
      reason: 'NewReplicaSetAvailable',
      message: 'b',
    },
  ]);
});
