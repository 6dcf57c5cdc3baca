import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/label-selector.js';
import { planClaims } from './controller-ref.js';
import { podFromTemplate } from './pod-from-template.js';
import { podsToDelete } from './pod-ranking.js';
import { isPodAvailable } from './pod-state.js';
import { calculateReplicaSetStatus } from './replicaset-status.js';
import { slowStartBatch } from './slow-start.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function pod(
  name: string,
  o: {
    node?: string;
    phase?: string;
    readyAt?: number;
    restarts?: number;
    created?: number;
    cost?: number;
    labels?: Record<string, string>;
  } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'n',
      labels: o.labels ?? { app: 'a' },
      ...(o.created !== undefined ? { creationTimestamp: iso(o.created) } : {}),
      ...(o.cost !== undefined
        ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) } }
        : {}),
    },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Pending',
      ...(o.readyAt !== undefined
        ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(o.readyAt) }] }
        : {}),
      ...(o.restarts !== undefined
        ? { containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: o.restarts }] }
        : {}),
    },
  };
}

test('podsToDelete: Kubernetes deletion preference, one rule per row', () => {
  const cases: [string, Pod[], string][] = [
    ['unscheduled before scheduled', [pod('s', { node: 'n1' }), pod('u')], 'u'],
    ['pending before running', [pod('r', { node: 'n1', phase: 'Running' }), pod('p', { node: 'n1' })], 'p'],
    [
      'not ready before ready',
      [pod('rd', { node: 'n1', phase: 'Running', readyAt: T0 }), pod('nr', { node: 'n1', phase: 'Running' })],
      'nr',
    ],
    ['lower deletion cost first', [pod('hi', { node: 'n1', cost: 10 }), pod('lo', { node: 'n2', cost: -1 })], 'lo'],
    [
      'doubled-up node first',
      [pod('alone', { node: 'n1' }), pod('d1', { node: 'n2' }), pod('d2', { node: 'n2' })],
      'd1',
    ],
    [
      'ready more recently first',
      [
        pod('old', { node: 'n1', phase: 'Running', readyAt: T0 }),
        pod('new', { node: 'n2', phase: 'Running', readyAt: T0 + 1000 }),
      ],
      'new',
    ],
    [
      'more restarts first',
      [pod('few', { node: 'n1', restarts: 1 }), pod('many', { node: 'n2', restarts: 5 })],
      'many',
    ],
    [
      'newer first',
      [pod('older', { node: 'n1', created: T0 }), pod('newer', { node: 'n2', created: T0 + 5 })],
      'newer',
    ],
  ];
  for (const [why, pods, want] of cases) assert.equal(podsToDelete(pods, pods, 1)[0].metadata?.name, want, why);
  const all = [pod('a'), pod('b')];
  assert.equal(podsToDelete(all, all, 5).length, 2);
});

test('slowStartBatch: batches 1, 2, 4, ... and stops after the first failing batch', async () => {
  assert.deepEqual(await slowStartBatch(10, 1, async () => {}), { successes: 10 });
  let calls = 0;
  const failing = await slowStartBatch(10, 1, async () => {
    calls++;
    if (calls === 3) throw new Error('quota');
  });
  assert.equal(calls, 3, 'batches of 1 then 2; the second fails, nothing more is sent');
  assert.equal(failing.successes, 2);
  assert.equal((failing.error as Error).message, 'quota');
});

test('planClaims: own, adopt matching orphans, release non-matching, ignore others', () => {
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', uid: 'me' } } as KubeObject;
  const ref = (uid: string) => [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid, controller: true }];
  const o = (name: string, labels: Record<string, string>, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ...meta },
  });
  const sel = labelSelectorFromObject({ matchLabels: { app: 'a' } });
  const plan = planClaims(owner, sel, [
    o('mine', { app: 'a' }, { ownerReferences: ref('me') }),
    o('orphan', { app: 'a' }),
    o('strayed', { app: 'b' }, { ownerReferences: ref('me') }),
    o('theirs', { app: 'a' }, { ownerReferences: ref('other') }),
    o('dying-orphan', { app: 'a' }, { deletionTimestamp: iso(T0) }),
    o('unrelated', { app: 'b' }),
  ]);
  assert.deepEqual(
    [plan.owned, plan.adopt, plan.release].map((l) => l.map((x) => x.metadata.name)),
    [['mine'], ['orphan'], ['strayed']],
  );
  const deleting = planClaims({ ...owner, metadata: { ...owner.metadata, deletionTimestamp: iso(T0) } }, sel, [
    o('orphan', { app: 'a' }),
    o('strayed', { app: 'b' }, { ownerReferences: ref('me') }),
  ]);
  assert.deepEqual([deleting.adopt.length, deleting.release.length], [0, 0]);
});

test('podFromTemplate: labels, annotations, spec copy, generateName and controller reference', () => {
  const owner = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-7d4b9', namespace: 'n', uid: 'u1' },
  } as KubeObject;
  const p = podFromTemplate(
    {
      metadata: { labels: { app: 'web' }, annotations: { a: '1' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    },
    owner,
  );
  assert.deepEqual(p, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-7d4b9-',
      namespace: 'n',
      labels: { app: 'web' },
      annotations: { a: '1' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-7d4b9',
          uid: 'u1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
});

test('calculateReplicaSetStatus: counts, minReadySeconds and the ReplicaFailure condition', () => {
  const rs: ReplicaSet = {
    metadata: { name: 'rs', generation: 3 },
    spec: {
      selector: {},
      replicas: 3,
      minReadySeconds: 10,
      template: { metadata: { labels: { app: 'a', tier: 'web' } } },
    },
  };
  const pods = [
    pod('full-old', { labels: { app: 'a', tier: 'web' }, phase: 'Running', readyAt: T0 }),
    pod('full-new', { labels: { app: 'a', tier: 'web' }, phase: 'Running', readyAt: T0 + 55_000 }),
    pod('partial', { labels: { app: 'a' } }),
  ];
  assert.ok(isPodAvailable(pods[0], 10, T0 + 60_000) && !isPodAvailable(pods[1], 10, T0 + 60_000));
  const s = calculateReplicaSetStatus(rs, pods, undefined, T0 + 60_000);
  assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 });
  const failed = calculateReplicaSetStatus(rs, [], { reason: 'FailedCreate', message: 'quota' }, T0);
  assert.deepEqual(failed.conditions, [
    {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: '2024-01-01T00:00:00Z',
      reason: 'FailedCreate',
      message: 'quota',
    },
  ]);
  assert.equal(
    calculateReplicaSetStatus({ ...rs, status: failed }, [], undefined, T0).conditions,
    undefined,
    'removed once managing succeeds',
  );
});
