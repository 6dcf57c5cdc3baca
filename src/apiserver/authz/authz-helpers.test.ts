import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import { parseRequestInfo } from '../request-info.js';
import {
  accessReviewStatus,
  attributesFromAccessReview,
  subjectRulesReviewStatus,
  userFromAccessReview,
} from './access-review.js';
import { attributesFromRequest } from './attributes.js';
import type { Attributes, AuthzUser } from './authorizer.js';
import { forbiddenError, forbiddenStatus, goQuote } from './forbidden.js';
import { impersonationPlan } from './impersonation.js';

const bob: AuthzUser = { name: 'bob', groups: ['system:authenticated'] };

function attrs(method: string, url: string, u: AuthzUser = bob): Attributes {
  return attributesFromRequest(u, method, parseRequestInfo(method, url));
}

const messages: { name: string; attrs: Attributes; reason?: string; message: string }[] = [
  {
    name: 'named core resource in a namespace',
    attrs: attrs('GET', '/api/v1/namespaces/dev/secrets/db'),
    message:
      'secrets "db" is forbidden: User "bob" cannot get resource "secrets" in API group "" in the namespace "dev"',
  },
  {
    name: 'collection in a group at cluster scope',
    attrs: attrs('GET', '/apis/apps/v1/deployments'),
    message:
      'deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API group "apps" at the cluster scope',
  },
  {
    name: 'create in a namespace',
    attrs: attrs('POST', '/api/v1/namespaces/default/pods'),
    message: 'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "default"',
  },
  {
    name: 'subresource',
    attrs: attrs('POST', '/api/v1/namespaces/default/pods/web/exec'),
    message:
      'pods "web" is forbidden: User "bob" cannot create resource "pods/exec" in API group "" in the namespace "default"',
  },
  {
    name: 'cluster-scoped named object',
    attrs: attrs('DELETE', '/api/v1/nodes/n1'),
    message: 'nodes "n1" is forbidden: User "bob" cannot delete resource "nodes" in API group "" at the cluster scope',
  },
  {
    name: 'non-resource path',
    attrs: attrs('GET', '/metrics'),
    message: 'forbidden: User "bob" cannot get path "/metrics"',
  },
  {
    name: 'with the authorizer reason',
    attrs: attrs('GET', '/api/v1/namespaces/dev/pods'),
    reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found',
    message:
      'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "dev": RBAC: clusterrole.rbac.authorization.k8s.io "x" not found',
  },
  {
    name: 'HTML in the user name is escaped, quotes in Go style',
    attrs: attrs('GET', '/version', { name: '<b>"x"</b>', groups: [] }),
    message: 'forbidden: User "&lt;b&gt;\\"x\\"&lt;/b&gt;" cannot get path "/version"',
  },
];

for (const m of messages) {
  test(`forbidden message: ${m.name}`, () => {
    assert.equal(forbiddenStatus(m.attrs, m.reason ?? '').message, m.message);
  });
}

test('forbiddenError: a 403 ApiError with Kubernetes details', () => {
  const e = forbiddenError(attrs('GET', '/apis/apps/v1/namespaces/dev/deployments/web'), '');
  assert.ok(e instanceof ApiError);
  assert.equal(e.code, 403);
  assert.equal(e.reason, 'Forbidden');
  assert.deepEqual(e.details, { name: 'web', group: 'apps', kind: 'deployments' });
  assert.deepEqual(forbiddenError(attrs('GET', '/metrics'), '').details, {});
});

test('goQuote: Go %q escapes', () => {
  assert.equal(goQuote('a"b\\c\n\t\x01é'), '"a\\"b\\\\c\\n\\t\\x01é"');
});

test('attributesFromRequest: verbs and names as Kubernetes authorizes them', () => {
  const a = (method: string, url: string) => {
    const x = attrs(method, url);
    return x.resourceRequest
      ? `${x.verb} ${x.resource}${x.subresource ? `/${x.subresource}` : ''} ${x.namespace}/${x.name}`
      : `${x.verb} ${x.path}`;
  };
  assert.equal(a('GET', '/api/v1/namespaces/d/pods'), 'list pods d/');
  assert.equal(a('GET', '/api/v1/namespaces/d/pods?watch=1'), 'watch pods d/');
  assert.equal(a('GET', '/api/v1/namespaces/d/pods?fieldSelector=metadata.name%3Dweb'), 'list pods d/web');
  assert.equal(a('GET', '/api/v1/namespaces/d/pods?watch=true&fieldSelector=metadata.name%3Dweb'), 'watch pods d/web');
  assert.equal(a('GET', '/api/v1/namespaces/d/pods?fieldSelector=metadata.name!%3Dweb'), 'list pods d/');
  assert.equal(a('GET', '/api/v1/namespaces/d/pods?fieldSelector=metadata.name%3D..'), 'list pods d/');
  assert.equal(a('GET', '/api/v1/namespaces/d/pods/web/log'), 'get pods/log d/web');
  assert.equal(a('POST', '/api/v1/namespaces/d/pods/web/exec'), 'create pods/exec d/web');
  assert.equal(a('GET', '/api/v1/namespaces/d/pods/web/exec'), 'get pods/exec d/web');
  assert.equal(a('POST', '/api/v1/namespaces/d/pods/web/portforward'), 'create pods/portforward d/web');
  assert.equal(a('DELETE', '/api/v1/namespaces/d/pods'), 'deletecollection pods d/');
  assert.equal(a('PATCH', '/api/v1/nodes/n1/status'), 'patch nodes/status /n1');
  assert.equal(
    a('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'),
    'create selfsubjectaccessreviews /',
  );
  assert.equal(a('GET', '/healthz'), 'get /healthz');
  assert.equal(a('POST', '/api'), 'post /api');
});

test('access reviews: attributes from the spec, status from the decision', () => {
  const spec = {
    user: 'jane',
    groups: ['g'],
    uid: 'u1',
    resourceAttributes: { namespace: 'dev', verb: 'get', group: 'apps', resource: 'deployments', name: 'web' },
  };
  const u = userFromAccessReview(spec);
  assert.deepEqual(u, { name: 'jane', groups: ['g'], uid: 'u1' });
  assert.deepEqual(attributesFromAccessReview(u, spec), {
    resourceRequest: true,
    user: u,
    verb: 'get',
    apiGroup: 'apps',
    apiVersion: '*',
    resource: 'deployments',
    subresource: '',
    namespace: 'dev',
    name: 'web',
  });
  assert.deepEqual(attributesFromAccessReview(u, { nonResourceAttributes: { path: '/logs', verb: 'get' } }), {
    resourceRequest: false,
    user: u,
    verb: 'get',
    path: '/logs',
  });
  assert.equal(attributesFromAccessReview(u, {}), undefined);
  assert.deepEqual(accessReviewStatus({ decision: 'allow', reason: 'RBAC: allowed by x' }), {
    allowed: true,
    reason: 'RBAC: allowed by x',
  });
  assert.deepEqual(accessReviewStatus({ decision: 'deny', reason: 'no' }), {
    allowed: false,
    denied: true,
    reason: 'no',
  });
  assert.deepEqual(accessReviewStatus({ decision: 'noOpinion', reason: '', error: 'boom' }), {
    allowed: false,
    evaluationError: 'boom',
  });
});

test('subjectRulesReviewStatus: empty lists omitted per rule, incomplete and errors reported', () => {
  const status = subjectRulesReviewStatus(
    {
      rulesFor: () => ({
        resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] }],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
        incomplete: true,
        error: 'node authorizer does not support user rule resolution',
      }),
    },
    bob,
    'default',
  );
  assert.deepEqual(status, {
    resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
    incomplete: true,
    evaluationError: 'node authorizer does not support user rule resolution',
  });
});

test('impersonationPlan: checks in Kubernetes order and the user the request becomes', () => {
  const plan = impersonationPlan(bob, { user: 'jane', groups: ['dev'], extra: { scopes: ['a', 'b'] }, uid: 'u9' });
  assert.ok(plan);
  assert.deepEqual(
    plan.checks.map(
      (c) =>
        `${c.verb} ${c.apiGroup}/${c.resource}${c.subresource ? `/${c.subresource}` : ''} ${c.namespace}/${c.name}`,
    ),
    [
      'impersonate /users /jane',
      'impersonate /groups /dev',
      'impersonate authentication.k8s.io/userextras/scopes /a',
      'impersonate authentication.k8s.io/userextras/scopes /b',
      'impersonate authentication.k8s.io/uids /u9',
    ],
  );
  assert.ok(plan.checks.every((c) => c.user === bob));
  assert.deepEqual(plan.user, {
    name: 'jane',
    groups: ['dev', 'system:authenticated'],
    uid: 'u9',
    extra: { scopes: ['a', 'b'] },
  });

  const asSa = impersonationPlan(bob, { user: 'system:serviceaccount:ci:builder' });
  assert.deepEqual(
    asSa?.checks.map((c) => `${c.resource} ${c.namespace}/${c.name}`),
    ['serviceaccounts ci/builder'],
  );
  assert.deepEqual(asSa?.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']);
  assert.deepEqual(impersonationPlan(bob, { user: 'system:anonymous' })?.user.groups, ['system:unauthenticated']);
  assert.equal(impersonationPlan(bob, { groups: ['x'] }), undefined);
});
