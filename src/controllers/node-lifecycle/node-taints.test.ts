import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileTaints, readyStatus } from './node-taints.js';
import { evictionTime } from './pod-eviction.js';

const T = '2024-05-01T10:00:00Z';

test('taints follow Ready: Unknown -> unreachable, False -> not-ready, True -> none; others kept', () => {
  const user = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
  assert.deepEqual(reconcileTaints([user], 'Unknown', T), [
    user,
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T },
  ]);
  const unreachable = reconcileTaints([], 'Unknown', T);
  assert.equal(reconcileTaints(unreachable, 'Unknown', '2030-01-01T00:00:00Z'), undefined, 'unchanged keeps timeAdded');
  assert.deepEqual(
    reconcileTaints(unreachable, 'False', T)?.map((t) => t.key),
    ['node.kubernetes.io/not-ready', 'node.kubernetes.io/not-ready'],
  );
  assert.deepEqual(reconcileTaints([user, ...(unreachable ?? [])], 'True', T), [user]);
  assert.equal(reconcileTaints(undefined, 'True', T), undefined);
  assert.equal(readyStatus(undefined), 'Unknown');
  assert.equal(readyStatus([{ type: 'Ready', status: 'False' }]), 'False');
});

test('eviction: no toleration -> now; tolerationSeconds from timeAdded; unset -> never; smallest wins', () => {
  const t0 = Date.parse(T);
  const taints = [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
  ];
  assert.deepEqual(evictionTime(undefined, taints, t0), { at: 'now' });
  assert.deepEqual(
    evictionTime(
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }],
      taints,
      t0,
    ),
    { at: 'now' },
  );
  assert.deepEqual(
    evictionTime(
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
      taints,
      t0 + 1000,
    ),
    { at: t0 + 5000 },
  );
  assert.deepEqual(evictionTime([{ operator: 'Exists' }], taints, t0), { at: 'never' });
  assert.deepEqual(
    evictionTime(
      [
        { operator: 'Exists', tolerationSeconds: 60 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 3 },
      ],
      taints,
      t0,
    ),
    { at: t0 + 3000 },
  );
  assert.deepEqual(evictionTime([{ operator: 'Exists', tolerationSeconds: -4 }], taints, t0), { at: t0 });
  assert.deepEqual(evictionTime(undefined, [{ key: 'x', effect: 'NoSchedule' }], t0), { at: 'never' });
  assert.deepEqual(
    evictionTime(
      [{ key: 'k', operator: 'Equal', value: 'a', effect: 'NoExecute' }],
      [{ key: 'k', value: 'b', effect: 'NoExecute' }],
      t0,
    ),
    { at: 'now' },
  );
});
