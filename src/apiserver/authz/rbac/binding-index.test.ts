import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { BindingIndex } from './binding-index.js';

function rb(ns: string, name: string, subjects: RoleBinding['subjects']): RoleBinding {
  return {
    metadata: { namespace: ns, name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
    subjects,
  };
}

const names = (bs: readonly RoleBinding[]) => bs.map((b) => b.metadata?.name).sort();

test('candidates are the bindings naming the user, a group of it, or its ServiceAccount', () => {
  const idx = new BindingIndex<RoleBinding>();
  idx.set(rb('dev', 'alice', [{ kind: 'User', name: 'alice' }]));
  idx.set(rb('dev', 'devs', [{ kind: 'Group', name: 'devs' }]));
  idx.set(rb('dev', 'sa-local', [{ kind: 'ServiceAccount', name: 'builder' }]));
  idx.set(rb('dev', 'sa-other', [{ kind: 'ServiceAccount', name: 'builder', namespace: 'ci' }]));
  idx.set(
    rb('dev', 'both', [
      { kind: 'User', name: 'alice' },
      { kind: 'Group', name: 'devs' },
    ]),
  );
  idx.set(rb('prod', 'alice', [{ kind: 'User', name: 'alice' }]));
  assert.deepEqual(names(idx.candidates('dev', { name: 'alice', groups: ['devs'] })), ['alice', 'both', 'devs']);
  assert.deepEqual(names(idx.candidates('dev', { name: 'bob', groups: ['devs'] })), ['both', 'devs']);
  assert.deepEqual(names(idx.candidates('dev', { name: 'system:serviceaccount:dev:builder', groups: [] })), [
    'sa-local',
  ]);
  assert.deepEqual(names(idx.candidates('dev', { name: 'system:serviceaccount:ci:builder', groups: [] })), [
    'sa-other',
  ]);
  assert.deepEqual(names(idx.candidates('other', { name: 'alice', groups: [] })), []);
  assert.equal(idx.list('dev').length, 5);
});

test('updates and deletes move a binding between subjects', () => {
  const idx = new BindingIndex<RoleBinding>();
  idx.set(rb('dev', 'b', [{ kind: 'User', name: 'alice' }]));
  idx.set(rb('dev', 'b', [{ kind: 'User', name: 'bob' }]));
  assert.deepEqual(names(idx.candidates('dev', { name: 'alice', groups: [] })), []);
  assert.deepEqual(names(idx.candidates('dev', { name: 'bob', groups: [] })), ['b']);
  assert.equal(idx.list('dev').length, 1);
  idx.delete('dev', 'b');
  assert.deepEqual(names(idx.candidates('dev', { name: 'bob', groups: [] })), []);
  assert.equal(idx.list('dev').length, 0);
});

test('a ServiceAccount subject of a cluster-scoped binding needs its own namespace', () => {
  const idx = new BindingIndex<RoleBinding>();
  idx.set(rb('', 'crb', [{ kind: 'ServiceAccount', name: 'x' }]));
  assert.deepEqual(names(idx.candidates('', { name: 'system:serviceaccount::x', groups: [] })), []);
});
