import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { type ExistingRbac, planBootstrapReconcile, reconcileRole, reconcileRoleBinding } from './reconcile-plan.js';
import { clusterRole, clusterRoleBinding, groupSubject, newRule, userSubject } from './rule-builder.js';

const getPods = newRule('get').groups('').resources('pods').rule();
const listPods = newRule('list').groups('').resources('pods').rule();
const getNodes = newRule('get').groups('').resources('nodes').rule();

function stored<T extends ClusterRole | ClusterRoleBinding | Role | RoleBinding>(
  o: T,
  extra: Partial<NonNullable<T['metadata']>> = {},
): T {
  const copy = structuredClone(o);
  copy.metadata = { ...copy.metadata, uid: 'uid-1', resourceVersion: '7', ...extra };
  return copy;
}

test('reconcileRole: a missing role is created as expected', () => {
  const expected = clusterRole('r', [getPods]);
  const r = reconcileRole(expected, undefined);
  assert.equal(r.operation, 'create');
  assert.equal(r.role, expected);
  assert.deepEqual(r.missingRules, [getPods]);
});

test('reconcileRole: up to date is none; missing rules are appended, extra ones kept', () => {
  const expected = clusterRole('r', [getPods, listPods]);
  assert.equal(reconcileRole(expected, stored(expected)).operation, 'none');

  const existing = stored(clusterRole('r', [getPods, getNodes]));
  const r = reconcileRole(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.missingRules, [listPods]);
  assert.deepEqual(r.extraRules, [getNodes]);
  assert.deepEqual(r.role.rules, [getPods, getNodes, listPods]);
  assert.equal(r.role.metadata?.resourceVersion, '7', 'the update carries the existing resourceVersion');
  assert.deepEqual(existing.rules, [getPods, getNodes], 'the input is not mutated');
});

test('reconcileRole: removeExtra stomps the rules to the expected ones', () => {
  const expected = clusterRole('r', [getPods]);
  const r = reconcileRole(expected, stored(clusterRole('r', [getPods, getNodes])), { removeExtra: true });
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.role.rules, [getPods]);
});

test('reconcileRole: a rule covered by a broader existing rule is not missing', () => {
  const expected = clusterRole('r', [getPods]);
  const existing = stored(clusterRole('r', [newRule('*').groups('*').resources('*').rule()]));
  assert.equal(reconcileRole(expected, existing).operation, 'none');
});

test('reconcileRole: labels and annotations merged, existing values win', () => {
  const expected = clusterRole('r', [getPods], { labels: { a: '1' } });
  const existing = stored(expected);
  existing.metadata = { ...existing.metadata, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', a: 'custom' } };
  assert.equal(reconcileRole(expected, existing).operation, 'none');
  if (existing.metadata) existing.metadata.labels = { mine: 'x' };
  const r = reconcileRole(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.role.metadata?.labels, { a: '1', 'kubernetes.io/bootstrapping': 'rbac-defaults', mine: 'x' });
});

test('reconcileRole: aggregated roles keep their aggregated rules; missing selectors are added', () => {
  const expected = clusterRole('admin', undefined, { aggregateFrom: [{ agg: 'admin' }, { agg: 'more' }] });
  const existing = stored(clusterRole('admin', [getPods, getNodes], { aggregateFrom: [{ agg: 'admin' }] }));
  const r = reconcileRole(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.extraRules, [], 'aggregated rules are not extra');
  assert.deepEqual(r.role.rules, [getPods, getNodes]);
  assert.deepEqual(r.missingAggregationRuleSelectors, [{ matchLabels: { agg: 'more' } }]);
  assert.deepEqual(r.role.aggregationRule?.clusterRoleSelectors, [
    { matchLabels: { agg: 'admin' } },
    { matchLabels: { agg: 'more' } },
  ]);

  const plain = reconcileRole(
    clusterRole('x', [getPods]),
    stored(clusterRole('x', [getPods], { aggregateFrom: [{ a: 'b' }] })),
  );
  assert.equal(plain.operation, 'update');
  assert.equal(plain.role.aggregationRule, undefined, 'an unexpected aggregation is removed');
});

test('reconcileRole: autoupdate "false" protects the role', () => {
  const expected = clusterRole('r', [getPods, listPods]);
  const existing = stored(clusterRole('r', [getPods]));
  if (existing.metadata) existing.metadata.annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
  const r = reconcileRole(expected, existing);
  assert.equal(r.protected, true);
  assert.deepEqual(r.missingRules, [listPods]);
});

test('reconcileRoleBinding: create, add missing subjects, keep extra ones, recreate on a new roleRef', () => {
  const expected = clusterRoleBinding('b', [groupSubject('g1'), groupSubject('g2')]);
  assert.equal(reconcileRoleBinding(expected, undefined).operation, 'create');
  assert.equal(reconcileRoleBinding(expected, stored(expected)).operation, 'none');

  const existing = stored(clusterRoleBinding('b', [groupSubject('g2'), userSubject('alice')]));
  const r = reconcileRoleBinding(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.missingSubjects, [groupSubject('g1')]);
  assert.deepEqual(r.extraSubjects, [userSubject('alice')]);
  assert.deepEqual(r.binding.subjects, [groupSubject('g2'), userSubject('alice'), groupSubject('g1')]);

  const stomped = reconcileRoleBinding(expected, existing, { removeExtra: true });
  assert.deepEqual(stomped.binding.subjects, [groupSubject('g1'), groupSubject('g2')]);

  const otherRole = stored(clusterRoleBinding('b', [groupSubject('g1')], 'other-role'));
  const re = reconcileRoleBinding(expected, otherRole);
  assert.equal(re.operation, 'recreate');
  assert.equal(re.binding, expected);
});

/** An in-memory store the plan reads, and a way to apply create actions to it. */
function memoryStore() {
  const m = new Map<string, ClusterRole | ClusterRoleBinding | Role | RoleBinding>();
  const key = (resource: string, namespace: string, name: string) => `${resource}/${namespace}/${name}`;
  const existing: ExistingRbac = {
    clusterRole: (n) => m.get(key('clusterroles', '', n)) as ClusterRole | undefined,
    clusterRoleBinding: (n) => m.get(key('clusterrolebindings', '', n)) as ClusterRoleBinding | undefined,
    role: (ns, n) => m.get(key('roles', ns, n)) as Role | undefined,
    roleBinding: (ns, n) => m.get(key('rolebindings', ns, n)) as RoleBinding | undefined,
  };
  const put = (resource: string, o: ClusterRole | ClusterRoleBinding | Role | RoleBinding) =>
    m.set(key(resource, o.metadata?.namespace ?? '', o.metadata?.name ?? ''), stored(o));
  return { existing, put, get: (resource: string, ns: string, name: string) => m.get(key(resource, ns, name)) };
}

test('planBootstrapReconcile: empty store creates everything in order; a second plan after applying is empty', () => {
  const policy = bootstrapPolicy();
  const store = memoryStore();
  const first = planBootstrapReconcile(policy, store.existing);
  const total =
    policy.clusterRoles.length + policy.clusterRoleBindings.length + policy.roles.length + policy.roleBindings.length;
  assert.equal(first.length, total);
  assert.ok(first.every((a) => a.action === 'create'));
  const order = [...new Set(first.map((a) => a.resource))];
  assert.deepEqual(order, ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings']);
  for (const a of first) if (a.action === 'create') store.put(a.resource, a.object);
  assert.deepEqual(planBootstrapReconcile(bootstrapPolicy(), store.existing), []);
});

test('planBootstrapReconcile: updates, recreates and protected skips as data', () => {
  const policy = bootstrapPolicy();
  const store = memoryStore();
  for (const r of policy.clusterRoles) store.put('clusterroles', r);
  for (const b of policy.clusterRoleBindings) store.put('clusterrolebindings', b);
  for (const r of policy.roles) store.put('roles', r);
  for (const b of policy.roleBindings) store.put('rolebindings', b);
  // view's source lost a rule; basic-user is protected and lacks one; cluster-admin binding points elsewhere;
  // node-proxier lost its subject; a kube-system leader-locking binding lost one of its subjects.
  const aggView = store.get('clusterroles', '', 'system:aggregate-to-view') as ClusterRole;
  aggView.rules = aggView.rules?.slice(1);
  const basic = store.get('clusterroles', '', 'system:basic-user') as ClusterRole;
  basic.rules = [];
  if (basic.metadata) basic.metadata.annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
  store.put('clusterrolebindings', clusterRoleBinding('cluster-admin', [groupSubject('system:masters')], 'view'));
  const nodeProxier = store.get('clusterrolebindings', '', 'system:node-proxier') as ClusterRoleBinding;
  nodeProxier.subjects = [];
  const locking = store.get('rolebindings', 'kube-system', 'system::leader-locking-kube-scheduler') as RoleBinding;
  locking.subjects = locking.subjects?.slice(0, 1);

  const plan = planBootstrapReconcile(policy, store.existing);
  assert.deepEqual(
    plan.map((a) => `${a.action} ${a.resource} ${a.action === 'skip' ? a.name : a.object.metadata?.name}`),
    [
      'skip clusterroles system:basic-user',
      'update clusterroles system:aggregate-to-view',
      'recreate clusterrolebindings cluster-admin',
      'update clusterrolebindings system:node-proxier',
      'update rolebindings system::leader-locking-kube-scheduler',
    ],
  );
  const recreate = plan[2];
  assert.equal(recreate.action === 'recreate' && recreate.existingUid, 'uid-1');
  const lockingUpdate = plan[4];
  assert.ok(lockingUpdate.action === 'update' && 'missingSubjects' in lockingUpdate);
  assert.deepEqual(lockingUpdate.missingSubjects, [
    { kind: 'ServiceAccount', name: 'kube-scheduler', namespace: 'kube-system' },
  ]);
  assert.equal(lockingUpdate.object.metadata?.namespace, 'kube-system');
});
