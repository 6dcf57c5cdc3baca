import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceType, RESOURCE_TYPES } from '../../../api/resource-types.js';
import type { ResourceType } from '../../../api/resource-type.js';
import type { Webhook } from '../../../api/kinds/webhook-configuration.js';
import {
  matchingResource,
  namespaceSelectorMatches,
  objectSelectorMatches,
  ruleMatches,
  type MatchAttributes,
} from './matching.js';

function rt(group: string, version: string, plural: string): ResourceType {
  const r = findResourceType(group, version, plural);
  if (!r) throw new Error(`${group}/${version} ${plural} missing`);
  return r;
}
const pods = rt('', 'v1', 'pods');
const namespaces = rt('', 'v1', 'namespaces');
const nodes = rt('', 'v1', 'nodes');
const hpaV1 = rt('autoscaling', 'v1', 'horizontalpodautoscalers');
const deployments = rt('apps', 'v1', 'deployments');

const attrs = (r: ResourceType, extra: Partial<MatchAttributes> = {}): MatchAttributes => ({
  operation: 'CREATE',
  rt: r,
  subresource: '',
  namespace: r.namespaced ? 'default' : '',
  ...extra,
});

const hook = (rules: Webhook['rules'], extra: Partial<Webhook> = {}): Webhook => ({
  name: 'a.b.c',
  clientConfig: { url: 'https://127.0.0.1/' },
  rules,
  ...extra,
});

test('rules: operations, groups, versions and resources with wildcards and subresources', () => {
  const rule = { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] };
  assert.equal(ruleMatches(rule, attrs(pods)), true);
  assert.equal(ruleMatches(rule, attrs(pods, { operation: 'UPDATE' })), false);
  assert.equal(ruleMatches(rule, attrs(pods, { subresource: 'status' })), false, 'pods does not cover pods/status');
  assert.equal(ruleMatches(rule, attrs(deployments)), false);
  const star = { operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] };
  assert.equal(ruleMatches(star, attrs(deployments, { operation: 'DELETE' })), true);
  assert.equal(ruleMatches(star, attrs(pods, { subresource: 'status' })), false, '* leaves subresources out');
  const all = { ...star, resources: ['*/*'] };
  assert.equal(ruleMatches(all, attrs(pods, { subresource: 'status' })), true);
  const sub = { ...star, resources: ['pods/*'] };
  assert.equal(ruleMatches(sub, attrs(pods, { subresource: 'eviction' })), true);
  // As kube-apiserver's matcher: the '*' subresource also matches the resource itself.
  assert.equal(ruleMatches(sub, attrs(pods)), true);
  const anyStatus = { ...star, resources: ['*/status'] };
  assert.equal(ruleMatches(anyStatus, attrs(deployments, { subresource: 'status' })), true);
  assert.equal(ruleMatches(anyStatus, attrs(deployments, { subresource: 'scale' })), false);
});

test('rules: scope Cluster and Namespaced (a Namespace is cluster-scoped)', () => {
  const base = { operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] };
  const cluster = { ...base, scope: 'Cluster' };
  const namespaced = { ...base, scope: 'Namespaced' };
  assert.equal(ruleMatches(cluster, attrs(nodes)), true);
  assert.equal(ruleMatches(cluster, attrs(namespaces)), true);
  assert.equal(ruleMatches(cluster, attrs(pods)), false);
  assert.equal(ruleMatches(namespaced, attrs(pods)), true);
  assert.equal(ruleMatches(namespaced, attrs(namespaces)), false);
  assert.equal(ruleMatches(namespaced, attrs(nodes)), false);
});

test('matchPolicy: Equivalent matches another version of the same resource, Exact does not', () => {
  const rules = [
    {
      operations: ['CREATE'],
      apiGroups: ['autoscaling'],
      apiVersions: ['v2'],
      resources: ['horizontalpodautoscalers'],
    },
  ];
  const eq = matchingResource(hook(rules), attrs(hpaV1), RESOURCE_TYPES);
  assert.equal(eq?.version, 'v2');
  assert.equal(matchingResource(hook(rules, { matchPolicy: 'Exact' }), attrs(hpaV1), RESOURCE_TYPES), undefined);
  assert.equal(matchingResource(hook(rules), attrs(pods), RESOURCE_TYPES), undefined);
});

test('namespaceSelector: the namespace labels, a Namespace its own, other cluster-scoped objects always', () => {
  const h = hook([], { namespaceSelector: { matchLabels: { env: 'prod' } } });
  assert.equal(
    namespaceSelectorMatches(h, attrs(pods), {}, () => ({ env: 'prod' })),
    true,
  );
  assert.equal(
    namespaceSelectorMatches(h, attrs(pods), { env: 'prod' }, () => ({ env: 'dev' })),
    false,
  );
  assert.equal(
    namespaceSelectorMatches(h, attrs(pods), {}, () => undefined),
    false,
  );
  assert.equal(
    namespaceSelectorMatches(h, attrs(namespaces), { env: 'prod' }, () => undefined),
    true,
  );
  assert.equal(
    namespaceSelectorMatches(h, attrs(nodes), {}, () => undefined),
    true,
  );
  const out = hook([], {
    namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
  });
  assert.equal(
    namespaceSelectorMatches(out, attrs(pods), {}, () => ({})),
    true,
  );
  assert.equal(
    namespaceSelectorMatches(hook([], { namespaceSelector: {} }), attrs(pods), {}, () => undefined),
    true,
  );
});

test('objectSelector: the new or the old object matches', () => {
  const h = hook([], { objectSelector: { matchLabels: { app: 'web' } } });
  assert.equal(objectSelectorMatches(h, { app: 'web' }, undefined), true);
  assert.equal(objectSelectorMatches(h, {}, { app: 'web' }), true, 'an update removing the label still matches');
  assert.equal(objectSelectorMatches(h, {}, undefined), false);
  assert.equal(objectSelectorMatches(h, undefined, {}), false);
});
