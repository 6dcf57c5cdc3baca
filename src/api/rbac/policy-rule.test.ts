import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { breakdownRule, covers, ruleAllows, type RuleRequest, rulesEqual } from './policy-rule.js';

function res(verb: string, apiGroup: string, resource: string, subresource = '', name = ''): RuleRequest {
  return { resourceRequest: true, verb, apiGroup, resource, subresource, name };
}

function url(verb: string, path: string): RuleRequest {
  return { resourceRequest: false, verb, path };
}

const cases: { name: string; rule: PolicyRule; req: RuleRequest; allowed: boolean }[] = [
  // verbs
  {
    name: 'exact verb',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    req: res('get', '', 'pods'),
    allowed: true,
  },
  {
    name: 'other verb',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    req: res('list', '', 'pods'),
    allowed: false,
  },
  {
    name: 'verb *',
    rule: { verbs: ['*'], apiGroups: [''], resources: ['pods'] },
    req: res('escalate', '', 'pods'),
    allowed: true,
  },
  {
    name: 'no verbs',
    rule: { verbs: [], apiGroups: [''], resources: ['pods'] },
    req: res('get', '', 'pods'),
    allowed: false,
  },
  // groups
  {
    name: 'core group',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['deployments'] },
    req: res('get', 'apps', 'deployments'),
    allowed: false,
  },
  {
    name: 'group *',
    rule: { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] },
    req: res('get', 'apps', 'deployments'),
    allowed: true,
  },
  {
    name: 'missing apiGroups',
    rule: { verbs: ['get'], resources: ['pods'] },
    req: res('get', '', 'pods'),
    allowed: false,
  },
  // resources and subresources
  {
    name: 'resource * covers subresources',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['*'] },
    req: res('get', '', 'pods', 'log'),
    allowed: true,
  },
  {
    name: 'resource alone does not cover its subresource',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    req: res('get', '', 'pods', 'log'),
    allowed: false,
  },
  {
    name: 'resource/subresource',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
    req: res('get', '', 'pods', 'log'),
    allowed: true,
  },
  {
    name: 'resource/subresource does not cover the resource',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
    req: res('get', '', 'pods'),
    allowed: false,
  },
  {
    name: '*/subresource',
    rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
    req: res('get', 'apps', 'deployments', 'scale'),
    allowed: true,
  },
  {
    name: '*/subresource other subresource',
    rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
    req: res('get', 'apps', 'deployments', 'status'),
    allowed: false,
  },
  {
    name: '*/subresource not the main resource',
    rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
    req: res('get', 'apps', 'deployments'),
    allowed: false,
  },
  {
    name: 'pods/* is not a wildcard',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/*'] },
    req: res('get', '', 'pods', 'log'),
    allowed: false,
  },
  // resourceNames
  {
    name: 'named get',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    req: res('get', '', 'configmaps', '', 'a'),
    allowed: true,
  },
  {
    name: 'other name',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    req: res('get', '', 'configmaps', '', 'b'),
    allowed: false,
  },
  {
    name: 'names never allow list',
    rule: { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    req: res('list', '', 'configmaps'),
    allowed: false,
  },
  {
    name: 'names never allow create',
    rule: { verbs: ['create'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    req: res('create', '', 'configmaps'),
    allowed: false,
  },
  {
    name: 'names never allow deletecollection',
    rule: { verbs: ['deletecollection'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    req: res('deletecollection', '', 'configmaps'),
    allowed: false,
  },
  {
    name: 'names allow a watch pinned by field selector',
    rule: { verbs: ['watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    req: res('watch', '', 'configmaps', '', 'a'),
    allowed: true,
  },
  {
    name: 'resourceName * is literal',
    rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['*'] },
    req: res('get', '', 'configmaps', '', 'a'),
    allowed: false,
  },
  {
    name: 'names on a subresource',
    rule: { verbs: ['update'], apiGroups: [''], resources: ['pods/status'], resourceNames: ['p'] },
    req: res('update', '', 'pods', 'status', 'p'),
    allowed: true,
  },
  // non-resource URLs
  {
    name: 'exact path',
    rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    req: url('get', '/healthz'),
    allowed: true,
  },
  {
    name: 'path is not a prefix match',
    rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    req: url('get', '/healthz/etcd'),
    allowed: false,
  },
  {
    name: 'trailing *',
    rule: { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
    req: url('get', '/healthz/etcd'),
    allowed: true,
  },
  {
    name: 'trailing * needs the slash',
    rule: { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
    req: url('get', '/healthz'),
    allowed: false,
  },
  {
    name: 'prefix without slash',
    rule: { verbs: ['get'], nonResourceURLs: ['/api*'] },
    req: url('get', '/apis/apps'),
    allowed: true,
  },
  { name: 'url *', rule: { verbs: ['*'], nonResourceURLs: ['*'] }, req: url('post', '/anything'), allowed: true },
  { name: 'url verb', rule: { verbs: ['get'], nonResourceURLs: ['*'] }, req: url('post', '/x'), allowed: false },
  {
    name: 'resource rule never matches a path',
    rule: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    req: url('get', '/version'),
    allowed: false,
  },
  {
    name: 'url rule never matches a resource',
    rule: { verbs: ['*'], nonResourceURLs: ['*'] },
    req: res('get', '', 'pods'),
    allowed: false,
  },
];

for (const c of cases) {
  test(`ruleAllows: ${c.name}`, () => {
    assert.equal(ruleAllows(c.req, c.rule), c.allowed);
  });
}

test('breakdownRule: one verb, group, resource and name each; URLs with verbs', () => {
  assert.deepEqual(
    breakdownRule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a', 'b'] }),
    [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['a'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['b'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'], resourceNames: ['a'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'], resourceNames: ['b'] },
    ],
  );
  assert.deepEqual(breakdownRule({ verbs: ['get'], nonResourceURLs: ['/a', '/b'] }), [
    { nonResourceURLs: ['/a'], verbs: ['get'] },
    { nonResourceURLs: ['/b'], verbs: ['get'] },
  ]);
});

test('covers: wildcards, names and URL prefixes; uncovered pieces are listed', () => {
  const admin: PolicyRule[] = [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ];
  assert.equal(
    covers(admin, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['x'] }]).covered,
    true,
  );
  assert.equal(covers(admin, [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]).covered, true);

  const named: PolicyRule[] = [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }];
  // A named owner rule does not cover the unnamed (all names) servant rule.
  assert.deepEqual(covers(named, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]).uncovered, [
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
  ]);
  assert.equal(
    covers(named, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }]).covered,
    true,
  );

  const r = covers(
    [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
    [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods', 'pods/log'] }],
  );
  assert.deepEqual(r.uncovered, [
    { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['delete'] },
  ]);

  assert.equal(
    covers(
      [{ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }],
      [{ verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }],
    ).covered,
    true,
  );
  assert.equal(
    covers([{ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }])
      .covered,
    false,
  );
});

test('rulesEqual: order matters, absent lists equal empty ones', () => {
  assert.equal(
    rulesEqual(
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    ),
    true,
  );
  assert.equal(rulesEqual([{ verbs: ['get', 'list'] }], [{ verbs: ['list', 'get'] }]), false);
  assert.equal(rulesEqual(undefined, []), true);
});
