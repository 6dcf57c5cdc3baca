import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { aggregatedRules, aggregationChanged, resolveAggregation } from './aggregate.js';
import { bootstrapPolicy } from './bootstrap-policy.js';

function role(
  name: string,
  labels: Record<string, string>,
  rules?: PolicyRule[],
  selectors?: Record<string, string>[],
): ClusterRole {
  const r: ClusterRole = { metadata: { name, labels } };
  if (rules) r.rules = rules;
  if (selectors) r.aggregationRule = { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) };
  return r;
}

const get = (resource: string): PolicyRule => ({ verbs: ['get'], apiGroups: [''], resources: [resource] });

test('aggregatedRules: selectors in order, matching roles by name, duplicates dropped, itself skipped', () => {
  const target = role('target', { agg: 'true' }, [get('stale')], [{ agg: 'true' }, { other: 'x' }]);
  const all = [
    target,
    role('zeta', { agg: 'true' }, [get('z'), get('shared')]),
    role('alpha', { agg: 'true' }, [get('a'), get('shared')]),
    role('beta', { other: 'x' }, [get('b'), get('a')]),
    role('unrelated', {}, [get('u')]),
  ];
  assert.deepEqual(aggregatedRules(target, all), [get('a'), get('shared'), get('z'), get('b')]);
  assert.equal(aggregationChanged(target, all), true);
  assert.equal(aggregationChanged({ ...target, rules: aggregatedRules(target, all) }, all), false);
});

test('aggregatedRules: undefined without aggregationRule; empty selector list gives no rules', () => {
  assert.equal(aggregatedRules(role('plain', {}, [get('x')]), []), undefined);
  assert.deepEqual(aggregatedRules(role('empty', {}, [get('x')], []), [role('a', {}, [get('a')])]), []);
});

test('aggregatedRules: matchExpressions select too; an empty selector selects every role', () => {
  const byExpr: ClusterRole = {
    metadata: { name: 't' },
    aggregationRule: {
      clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }] }],
    },
  };
  const all = [role('a', { tier: 'y' }, [get('a')]), role('b', { tier: 'z' }, [get('b')])];
  assert.deepEqual(aggregatedRules(byExpr, all), [get('a')]);
  const everything: ClusterRole = { metadata: { name: 't' }, aggregationRule: { clusterRoleSelectors: [{}] } };
  assert.deepEqual(aggregatedRules(everything, all), [get('a'), get('b')]);
});

test('resolveAggregation: view flows into edit and edit into admin, as the controller converges', () => {
  const roles = resolveAggregation(bootstrapPolicy().clusterRoles);
  const byName = new Map(roles.map((r) => [r.metadata?.name, r]));
  const view = byName.get('view')?.rules ?? [];
  const edit = byName.get('edit')?.rules ?? [];
  const admin = byName.get('admin')?.rules ?? [];
  assert.ok(view.length > 0);
  for (const r of view)
    assert.ok(
      edit.some((e) => JSON.stringify(e) === JSON.stringify(r)),
      'edit holds every view rule',
    );
  for (const r of edit)
    assert.ok(
      admin.some((e) => JSON.stringify(e) === JSON.stringify(r)),
      'admin holds every edit rule',
    );
  assert.ok(admin.some((r) => r.resources?.includes('rolebindings')));
  assert.ok(!edit.some((r) => r.resources?.includes('rolebindings')));
  // A second resolve changes nothing.
  assert.deepEqual(resolveAggregation(roles), roles);
});
