import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { expectedAndDesired, pdbStatus, pendingDisruptions } from './pdb-status.js';

const ready = (name: string, ok = true, deleting = false): Pod => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  status: { conditions: [{ type: 'Ready', status: ok ? 'True' : 'False' }] },
});
const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({
  metadata: { name: 'p', generation: 2 },
  spec,
  status,
});

test('expectedAndDesired: minAvailable int counts pods; percentages and maxUnavailable use the controllers scale', () => {
  const pods = [ready('a'), ready('b'), ready('c')];
  const scale = () => ({ count: 4 });
  const cases: [PodDisruptionBudget['spec'], { expected: number; desired: number }][] = [
    [{ minAvailable: 2 }, { expected: 3, desired: 2 }],
    [{ minAvailable: '50%' }, { expected: 4, desired: 2 }],
    [{ minAvailable: '30%' }, { expected: 4, desired: 2 }],
    [{ maxUnavailable: 1 }, { expected: 4, desired: 3 }],
    [{ maxUnavailable: '25%' }, { expected: 4, desired: 3 }],
    [{ maxUnavailable: '30%' }, { expected: 4, desired: 2 }],
    [{ maxUnavailable: 9 }, { expected: 4, desired: 0 }],
  ];
  for (const [spec, want] of cases)
    assert.deepEqual(expectedAndDesired(pdb(spec), pods, scale), want, JSON.stringify(spec));
  assert.deepEqual(
    expectedAndDesired(pdb({ maxUnavailable: 1 }), pods, () => ({ error: 'no controller' })),
    { error: 'no controller' },
  );
});

test('pdbStatus: healthy = Ready, not deleting, not just evicted; allowed = healthy - desired; condition', () => {
  const now = Date.parse('2024-01-01T00:01:00Z');
  const pods = [ready('a'), ready('b'), ready('c', false), ready('d', true, true), ready('e')];
  const s = pdbStatus(
    pdb(
      { minAvailable: 1 },
      {
        disruptedPods: { e: '2024-01-01T00:00:30Z', gone: '2024-01-01T00:00:30Z' },
        currentHealthy: 0,
        desiredHealthy: 0,
        expectedPods: 0,
        disruptionsAllowed: 0,
      },
    ),
    pods,
    () => ({ count: 0 }),
    now,
  );
  assert.deepEqual(s, {
    observedGeneration: 2,
    disruptedPods: { e: '2024-01-01T00:00:30Z' },
    currentHealthy: 2,
    desiredHealthy: 1,
    expectedPods: 5,
    disruptionsAllowed: 1,
    conditions: [
      {
        type: 'DisruptionAllowed',
        status: 'True',
        reason: 'SufficientPods',
        message: '',
        lastTransitionTime: '2024-01-01T00:01:00Z',
      },
    ],
  });
  const none = pdbStatus(pdb({ minAvailable: 2 }), [ready('a'), ready('b')], () => ({ count: 0 }), now);
  assert.deepEqual(
    [none.disruptionsAllowed, none.conditions?.[0].status, none.conditions?.[0].reason],
    [0, 'False', 'InsufficientPods'],
  );
  const failed = pdbStatus(
    pdb({ maxUnavailable: 1 }),
    [ready('a')],
    () => ({ error: 'found no controllers for pod "a"' }),
    now,
  );
  assert.deepEqual(
    [failed.disruptionsAllowed, failed.conditions?.[0].reason, failed.conditions?.[0].message],
    [0, 'SyncFailed', 'found no controllers for pod "a"'],
  );
});

test('pendingDisruptions drops entries of deleted or deleting pods and those older than 2 minutes', () => {
  const now = Date.parse('2024-01-01T00:03:00Z');
  const got = pendingDisruptions(
    { a: '2024-01-01T00:02:00Z', b: '2024-01-01T00:00:30Z', c: '2024-01-01T00:02:30Z', x: '2024-01-01T00:02:30Z' },
    [ready('a'), ready('b'), ready('c', true, true)],
    now,
  );
  assert.deepEqual(got, { pending: { a: '2024-01-01T00:02:00Z' }, expiresAt: Date.parse('2024-01-01T00:04:00Z') });
});
