import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.js';
import { EXPECTATIONS_TTL_MS, observeOwnedPods, PodExpectations } from './pod-expectations.js';

test('expectations: satisfied once observed, or after the TTL', () => {
  let now = 1_000_000;
  const e = new PodExpectations(() => now);
  assert.ok(e.satisfied('n/rs'));
  e.expect('n/rs', 2);
  e.creationObserved('n/rs');
  assert.ok(!e.satisfied('n/rs'));
  e.creationObserved('n/rs');
  assert.ok(e.satisfied('n/rs'));
  e.expect('n/rs', 0, ['n/p1', 'n/p2']);
  e.deletionObserved('n/rs', 'n/p1');
  e.deletionObserved('n/rs', 'n/other');
  assert.deepEqual(e.pending('n/rs'), { add: 0, del: 1 });
  now += EXPECTATIONS_TTL_MS + 1;
  assert.ok(e.satisfied('n/rs'), 'expired');
  e.expect('n/rs', 1);
  e.forget('n/rs');
  assert.ok(e.satisfied('n/rs'));
});

test('observeOwnedPods: only pods controlled by the kind count, terminating ones as deletes', () => {
  const e = new PodExpectations();
  const handlers = observeOwnedPods('Job', e);
  const pod = (name: string, kind: string, terminating = false): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'n',
      ownerReferences: [{ apiVersion: 'x/v1', kind, name: 'owner', uid: 'u', controller: true }],
      ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
  });
  e.expect('n/owner', 2, ['n/old']);
  handlers.onAdd?.(pod('a', 'ReplicaSet'));
  assert.deepEqual(e.pending('n/owner'), { add: 2, del: 1 }, 'another kind is ignored');
  handlers.onAdd?.(pod('a', 'Job'));
  handlers.onAdd?.(pod('b', 'Job'));
  assert.deepEqual(e.pending('n/owner'), { add: 0, del: 1 });
  handlers.onUpdate?.(pod('old', 'Job'), pod('old', 'Job', true));
  assert.ok(e.satisfied('n/owner'), 'a terminating pod counts as deleted');
  e.expect('n/owner', 0, ['n/gone']);
  handlers.onDelete?.(pod('gone', 'Job'));
  assert.ok(e.satisfied('n/owner'));
});
