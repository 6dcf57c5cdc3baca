import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import {
  type ExistingRbac,
  planBootstrapReconcile,
  reconcileClusterRole,
  reconcileClusterRoleBinding,
} from './reconcile-plan.js';
import { clusterRole, clusterRoleBinding, groupSubject, newRule, userSubject } from './rule-builder.js';

const getPods = newRule('get').groups('').resources('pods').rule();
const listPods = newRule('list').groups('').resources('pods').rule();
const getNodes = newRule('get').groups('').resources('nodes').rule();

function stored<T extends ClusterRole | ClusterRoleBinding>(o: T, extra: Partial<NonNullable<T['metadata']>> = {}): T {
  const copy = structuredClone(o);
  copy.metadata = { ...copy.metadata, uid: 'uid-1', resourceVersion: '7', ...extra };
  return copy;
}

test('reconcileClusterRole: a missing role is created as expected', () => {
  const expected = clusterRole('r', [getPods]);
  const r = reconcileClusterRole(expected, undefined);
  assert.equal(r.operation, 'create');
  assert.equal(r.role, expected);
  assert.deepEqual(r.missingRules, [getPods]);
});

test('reconcileClusterRole: up to date is none; missing rules are appended, extra ones kept', () => {
  const expected = clusterRole('r', [getPods, listPods]);
  assert.equal(reconcileClusterRole(expected, stored(expected)).operation, 'none');

  const existing = stored(clusterRole('r', [getPods, getNodes]));
  const r = reconcileClusterRole(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.missingRules, [listPods]);
  assert.deepEqual(r.extraRules, [getNodes]);
  assert.deepEqual(r.role.rules, [getPods, getNodes, listPods]);
  assert.equal(r.role.metadata?.resourceVersion, '7', 'the update carries the existing resourceVersion');
  assert.deepEqual(existing.rules, [getPods, getNodes], 'the input is not mutated');
});

test('reconcileClusterRole: removeExtra stomps the rules to the expected ones', () => {
  const expected = clusterRole('r', [getPods]);
  const r = reconcileClusterRole(expected, stored(clusterRole('r', [getPods, getNodes])), { removeExtra: true });
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.role.rules, [getPods]);
});

test('reconcileClusterRole: a rule covered by a broader existing rule is not missing', () => {
  const expected = clusterRole('r', [getPods]);
  const existing = stored(clusterRole('r', [newRule('*').groups('*').resources('*').rule()]));
  assert.equal(reconcileClusterRole(expected, existing).operation, 'none');
});

test('reconcileClusterRole: labels and annotations merged, existing values win', () => {
  const expected = clusterRole('r', [getPods], { labels: { a: '1' } });
  const existing = stored(expected);
  existing.metadata = { ...existing.metadata, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', a: 'custom' } };
  assert.equal(reconcileClusterRole(expected, existing).operation, 'none');
  if (existing.metadata) existing.metadata.labels = { mine: 'x' };
  const r = reconcileClusterRole(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.role.metadata?.labels, { a: '1', 'kubernetes.io/bootstrapping': 'rbac-defaults', mine: 'x' });
});

test('reconcileClusterRole: aggregated roles keep their aggregated rules; missing selectors are added', () => {
  const expected = clusterRole('admin', undefined, { aggregateFrom: [{ agg: 'admin' }, { agg: 'more' }] });
  const existing = stored(clusterRole('admin', [getPods, getNodes], { aggregateFrom: [{ agg: 'admin' }] }));
  const r = reconcileClusterRole(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.extraRules, [], 'aggregated rules are not extra');
  assert.deepEqual(r.role.rules, [getPods, getNodes]);
  assert.deepEqual(r.missingAggregationRuleSelectors, [{ matchLabels: { agg: 'more' } }]);
  assert.deepEqual(r.role.aggregationRule?.clusterRoleSelectors, [
    { matchLabels: { agg: 'admin' } },
    { matchLabels: { agg: 'more' } },
  ]);

  const plain = reconcileClusterRole(
    clusterRole('x', [getPods]),
    stored(clusterRole('x', [getPods], { aggregateFrom: [{ a: 'b' }] })),
  );
  assert.equal(plain.operation, 'update');
  assert.equal(plain.role.aggregationRule, undefined, 'an unexpected aggregation is removed');
});

test('reconcileClusterRole: autoupdate "false" protects the role', () => {
  const expected = clusterRole('r', [getPods, listPods]);
  const existing = stored(clusterRole('r', [getPods]));
  if (existing.metadata) existing.metadata.annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
  const r = reconcileClusterRole(expected, existing);
  assert.equal(r.protected, true);
  assert.deepEqual(r.missingRules, [listPods]);
});

test('reconcileClusterRoleBinding: create, add missing subjects, keep extra ones, recreate on a new roleRef', () => {
  const expected = clusterRoleBinding('b', [groupSubject('g1'), groupSubject('g2')]);
  assert.equal(reconcileClusterRoleBinding(expected, undefined).operation, 'create');
  assert.equal(reconcileClusterRoleBinding(expected, stored(expected)).operation, 'none');

  const existing = stored(clusterRoleBinding('b', [groupSubject('g2'), userSubject('alice')]));
  const r = reconcileClusterRoleBinding(expected, existing);
  assert.equal(r.operation, 'update');
  assert.deepEqual(r.missingSubjects, [groupSubject('g1')]);
  assert.deepEqual(r.extraSubjects, [userSubject('alice')]);
  assert.deepEqual(r.binding.subjects, [groupSubject('g2'), userSubject('alice'), groupSubject('g1')]);

  const stomped = reconcileClusterRoleBinding(expected, existing, { removeExtra: true });
  assert.deepEqual(stomped.binding.subjects, [groupSubject('g1'), groupSubject('g2')]);

  const otherRole = stored(clusterRoleBinding('b', [groupSubject('g1')], 'other-role'));
  const re = reconcileClusterRoleBinding(expected, otherRole);
  assert.equal(re.operation, 'recreate');
  assert.equal(re.binding, expected);
});

test('planBootstrapReconcile: empty store creates everything; a second plan after applying is empty', () => {
  const policy = bootstrapPolicy();
  const store = { roles: new Map<string, ClusterRole>(), bindings: new Map<string, ClusterRoleBinding>() };
  const existing: ExistingRbac = {
    clusterRole: (n) => store.roles.get(n),
    clusterRoleBinding: (n) => store.bindings.get(n),
  };
  const first = planBootstrapReconcile(policy, existing);
  assert.equal(first.length, policy.clusterRoles.length + policy.clusterRoleBindings.length);
  assert.ok(first.every((a) => a.action === 'create'));
  assert.ok(
    first.findIndex((a) => a.resource === 'clusterrolebindings') >
      first.length - 1 - [...first].reverse().findIndex((a) => a.resource === 'clusterroles'),
    'roles before bindings',
  );
  for (const a of first) {
    if (a.action !== 'create') continue;
    if (a.resource === 'clusterroles') store.roles.set(a.object.metadata?.name ?? '', stored(a.object));
    else store.bindings.set(a.object.metadata?.name ?? '', stored(a.object));
  }
  assert.deepEqual(planBootstrapReconcile(bootstrapPolicy(), existing), []);
});

test('planBootstrapReconcile: updates, recreates and protected skips as data', () => {
  const policy = bootstrapPolicy();
  const roles = new Map(policy.clusterRoles.map((r) => [r.metadata?.name ?? '', stored(r)]));
  const bindings = new Map(policy.clusterRoleBindings.map((b) => [b.metadata?.name ?? '', stored(b)]));
  // view's source lost a rule; basic-user is protected and lacks one; cluster-admin binding points elsewhere.
  const aggView = roles.get('system:aggregate-to-view') as ClusterRole;
  aggView.rules = aggView.rules?.slice(1);
  const basic = roles.get('system:basic-user') as ClusterRole;
  basic.rules = [];
  if (basic.metadata) basic.metadata.annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'false' };
  bindings.set('cluster-admin', stored(clusterRoleBinding('cluster-admin', [groupSubject('system:masters')], 'view')));
  const nodeProxier = bindings.get('system:node-proxier') as ClusterRoleBinding;
  nodeProxier.subjects = [];

  const plan = planBootstrapReconcile(policy, {
    clusterRole: (n) => roles.get(n),
    clusterRoleBinding: (n) => bindings.get(n),
  });
  assert.deepEqual(
    plan.map((a) => `${a.action} ${a.resource} ${a.action === 'skip' ? a.name : a.object.metadata?.name}`),
    [
      'skip clusterroles system:basic-user',
      'update clusterroles system:aggregate-to-view',
      'recreate clusterrolebindings cluster-admin',
      'update clusterrolebindings system:node-proxier',
    ],
  );
  const recreate = plan[2];
  assert.equal(recreate.action === 'recreate' && recreate.existingUid, 'uid-1');
});
