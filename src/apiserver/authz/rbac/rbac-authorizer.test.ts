import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { resolveAggregation } from '../../../api/rbac/aggregate.js';
import { bootstrapPolicy } from '../../../api/rbac/bootstrap-policy.js';
import { controllerUser } from '../../../api/rbac/controller-policy.js';
import { serviceAccountGroups, serviceAccountUsername } from '../../../api/rbac/users.js';
import type { Attributes, AuthzUser } from '../authorizer.js';
import { privilegedGroupAuthorizer } from '../privileged-group.js';
import { unionAuthorizer, unionRuleResolver } from '../union.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { type RbacObjects, staticRbacLister } from './rbac-lister.js';

const RBAC = 'rbac.authorization.k8s.io';

function role(namespace: string, name: string, rules: Role['rules']): Role {
  return { metadata: { namespace, name }, rules };
}
function clusterRole(name: string, rules: ClusterRole['rules']): ClusterRole {
  return { metadata: { name }, rules };
}
function roleBinding(
  namespace: string,
  name: string,
  kind: 'Role' | 'ClusterRole',
  roleName: string,
  subjects: Subject[],
): RoleBinding {
  return { metadata: { namespace, name }, roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects };
}
function clusterRoleBinding(name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding {
  return { metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName }, subjects };
}
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });
const sa = (name: string, namespace?: string): Subject =>
  namespace ? { kind: 'ServiceAccount', name, namespace } : { kind: 'ServiceAccount', name };

function res(
  u: AuthzUser,
  verb: string,
  resource: string,
  namespace = '',
  opts: { group?: string; sub?: string; name?: string } = {},
): Attributes {
  return {
    resourceRequest: true,
    user: u,
    verb,
    apiGroup: opts.group ?? '',
    apiVersion: 'v1',
    resource,
    subresource: opts.sub ?? '',
    namespace,
    name: opts.name ?? '',
  };
}

const alice: AuthzUser = { name: 'alice', groups: ['dev', 'system:authenticated'] };
const bob: AuthzUser = { name: 'bob', groups: ['system:authenticated'] };
const builder: AuthzUser = {
  name: serviceAccountUsername('ci', 'builder'),
  groups: [...serviceAccountGroups('ci'), 'system:authenticated'],
};

const objects: RbacObjects = {
  roles: [role('dev', 'pod-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }])],
  clusterRoles: [
    clusterRole('secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]),
    clusterRole('node-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] }]),
    clusterRole('healthz', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/healthz/*'] }]),
  ],
  roleBindings: [
    roleBinding('dev', 'alice-pods', 'Role', 'pod-reader', [user('alice')]),
    // A RoleBinding to a ClusterRole grants it in this namespace only.
    roleBinding('dev', 'dev-secrets', 'ClusterRole', 'secret-reader', [group('dev')]),
    // A ServiceAccount subject without namespace means the binding's namespace.
    roleBinding('ci', 'builder-secrets', 'ClusterRole', 'secret-reader', [sa('builder')]),
    roleBinding('dev', 'ci-in-dev', 'Role', 'pod-reader', [sa('builder', 'ci')]),
    roleBinding('dev', 'dangling', 'Role', 'missing-role', [user('bob')]),
  ],
  clusterRoleBindings: [
    clusterRoleBinding('nodes-for-all', 'node-reader', [group('system:authenticated')]),
    clusterRoleBinding('healthz', 'healthz', [group('system:serviceaccounts:ci')]),
    // A ClusterRoleBinding ServiceAccount subject without namespace matches nobody.
    clusterRoleBinding('sa-no-ns', 'secret-reader', [sa('builder')]),
  ],
};
const rbac = new RbacAuthorizer(staticRbacLister(objects));

const table: { name: string; attrs: Attributes; allowed: boolean }[] = [
  { name: 'user via Role', attrs: res(alice, 'get', 'pods', 'dev'), allowed: true },
  { name: 'Role verbs only', attrs: res(alice, 'delete', 'pods', 'dev'), allowed: false },
  { name: 'Role only in its namespace', attrs: res(alice, 'get', 'pods', 'prod'), allowed: false },
  { name: 'Role never cluster-wide', attrs: res(alice, 'list', 'pods'), allowed: false },
  { name: 'group via RoleBinding to ClusterRole', attrs: res(alice, 'get', 'secrets', 'dev'), allowed: true },
  {
    name: 'RoleBinding to ClusterRole stays in the namespace',
    attrs: res(alice, 'get', 'secrets', 'kube-system'),
    allowed: false,
  },
  { name: 'group via ClusterRoleBinding, cluster scope', attrs: res(bob, 'list', 'nodes'), allowed: true },
  { name: 'ClusterRoleBinding also applies in namespaces', attrs: res(bob, 'get', 'nodes', 'dev'), allowed: true },
  {
    name: 'ServiceAccount subject defaulted to the binding namespace',
    attrs: res(builder, 'get', 'secrets', 'ci'),
    allowed: true,
  },
  {
    name: 'ServiceAccount subject with namespace, other namespace',
    attrs: res(builder, 'list', 'pods', 'dev'),
    allowed: true,
  },
  {
    name: 'ServiceAccount not in a namespace-less ClusterRoleBinding',
    attrs: res(builder, 'get', 'secrets', 'dev'),
    allowed: false,
  },
  {
    name: 'ServiceAccount namespace group',
    attrs: { resourceRequest: false, user: builder, verb: 'get', path: '/healthz/etcd' },
    allowed: true,
  },
  {
    name: 'a user named like a group is not in it',
    attrs: res({ name: 'dev', groups: [] }, 'get', 'secrets', 'dev'),
    allowed: false,
  },
  {
    name: 'a user with the ServiceAccount name but another namespace',
    attrs: res({ name: serviceAccountUsername('other', 'builder'), groups: [] }, 'get', 'secrets', 'ci'),
    allowed: false,
  },
];

for (const c of table) {
  test(`RBAC authorizer: ${c.name}`, () => {
    assert.equal(rbac.authorize(c.attrs).decision, c.allowed ? 'allow' : 'noOpinion');
  });
}

test('RBAC authorizer: the allow reason names the binding, the role and the subject', () => {
  assert.deepEqual(rbac.authorize(res(alice, 'get', 'pods', 'dev')), {
    decision: 'allow',
    reason: 'RBAC: allowed by RoleBinding "alice-pods/dev" of Role "pod-reader" to User "alice"',
  });
  assert.equal(
    rbac.authorize(res(bob, 'get', 'nodes')).reason,
    'RBAC: allowed by ClusterRoleBinding "nodes-for-all" of ClusterRole "node-reader" to Group "system:authenticated"',
  );
  assert.equal(
    rbac.authorize(res(builder, 'get', 'secrets', 'ci')).reason,
    'RBAC: allowed by RoleBinding "builder-secrets/ci" of ClusterRole "secret-reader" to ServiceAccount "builder/ci"',
  );
});

test('RBAC authorizer: a binding to a missing role is a reason, never a deny nor an allow', () => {
  const r = rbac.authorize(res(bob, 'get', 'pods', 'dev'));
  assert.deepEqual(r, {
    decision: 'noOpinion',
    reason: 'RBAC: role.rbac.authorization.k8s.io "missing-role" not found',
  });
  // Other bindings still allow.
  assert.equal(rbac.authorize(res(bob, 'list', 'nodes', 'dev')).decision, 'allow');
  const two = new RbacAuthorizer(
    staticRbacLister({
      clusterRoleBindings: [
        clusterRoleBinding('a', 'gone-a', [user('x')]),
        clusterRoleBinding('b', 'gone-b', [user('x')]),
      ],
    }),
  );
  assert.equal(
    two.authorize(res({ name: 'x', groups: [] }, 'get', 'pods')).reason,
    'RBAC: [clusterrole.rbac.authorization.k8s.io "gone-a" not found, clusterrole.rbac.authorization.k8s.io "gone-b" not found]',
  );
});

test('union: system:masters bypasses RBAC; first allow or deny wins; reasons of no-opinions joined', () => {
  const chain = unionAuthorizer(privilegedGroupAuthorizer(), rbac);
  const root: AuthzUser = { name: 'root', groups: ['system:masters'] };
  assert.equal(chain.authorize(res(root, 'delete', 'nodes')).decision, 'allow');
  assert.equal(chain.authorize(res(alice, 'delete', 'nodes')).decision, 'noOpinion');
  const deny = { authorize: () => ({ decision: 'deny' as const, reason: 'nope' }) };
  const quiet = { authorize: () => ({ decision: 'noOpinion' as const, reason: 'first', error: 'e1' }) };
  assert.deepEqual(unionAuthorizer(quiet, deny, rbac).authorize(res(alice, 'get', 'pods', 'dev')), {
    decision: 'deny',
    reason: 'nope',
  });
  assert.deepEqual(unionAuthorizer(quiet, rbac).authorize(res(bob, 'get', 'pods', 'dev')), {
    decision: 'noOpinion',
    reason: 'first\nRBAC: role.rbac.authorization.k8s.io "missing-role" not found',
    error: 'e1',
  });
});

test('rulesFor: cluster bindings then namespace bindings, split into resource and URL rules', () => {
  const r = unionRuleResolver(rbac).rulesFor(builder, 'dev');
  assert.deepEqual(r, {
    resourceRules: [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'], resourceNames: [] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: [] },
    ],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/healthz/*'] }],
    incomplete: false,
  });
  assert.equal(rbac.rulesFor(bob, 'dev').error, 'role.rbac.authorization.k8s.io "missing-role" not found');
});

test('bootstrap policy through the authorizer: anonymous, authenticated users, controllers', () => {
  const policy = bootstrapPolicy();
  const authz = unionAuthorizer(
    privilegedGroupAuthorizer(),
    new RbacAuthorizer(
      staticRbacLister({
        clusterRoles: resolveAggregation(policy.clusterRoles),
        clusterRoleBindings: [...policy.clusterRoleBindings, clusterRoleBinding('viewers', 'view', [user('viewer')])],
        roleBindings: [roleBinding('team', 'editors', 'ClusterRole', 'edit', [user('editor')])],
      }),
    ),
  );
  const anon: AuthzUser = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  const path = (u: AuthzUser, p: string): Attributes => ({ resourceRequest: false, user: u, verb: 'get', path: p });
  const viewer: AuthzUser = { name: 'viewer', groups: ['system:authenticated'] };
  const editor: AuthzUser = { name: 'editor', groups: ['system:authenticated'] };
  const expectations: [Attributes, boolean][] = [
    [path(anon, '/version'), true],
    [path(anon, '/healthz'), true],
    [path(anon, '/apis'), false],
    [res(anon, 'list', 'pods', 'default'), false],
    [path(bob, '/apis/apps/v1'), true],
    [res(bob, 'create', 'selfsubjectaccessreviews', '', { group: 'authorization.k8s.io' }), true],
    [res(bob, 'list', 'pods', 'default'), false],
    [res(viewer, 'list', 'pods', 'default'), true],
    [res(viewer, 'get', 'secrets', 'default'), false],
    [res(editor, 'create', 'deployments', 'team', { group: 'apps' }), true],
    [res(editor, 'create', 'deployments', 'other', { group: 'apps' }), false],
    [res(editor, 'create', 'rolebindings', 'team', { group: RBAC }), false],
    [res(controllerUser('deployment-controller'), 'create', 'replicasets', 'any', { group: 'apps' }), true],
    [res(controllerUser('deployment-controller'), 'get', 'secrets', 'any'), false],
    [res(controllerUser('replicaset-controller'), 'create', 'pods', 'any'), true],
    [
      res({ name: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'create', 'pods', 'ns', {
        sub: 'binding',
        name: 'p',
      }),
      true,
    ],
  ];
  for (const [attrs, allowed] of expectations)
    assert.equal(
      authz.authorize(attrs).decision === 'allow',
      allowed,
      JSON.stringify({ ...attrs, user: attrs.user.name }),
    );
});

test('RBAC authorizer: remembered decisions follow the lister version and never mix up users', () => {
  let version = 0;
  let objects: RbacObjects = {
    roles: [role('ns', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])],
    roleBindings: [roleBinding('ns', 'devs', 'Role', 'reader', [group('b'), group('c')])],
  };
  let lister = staticRbacLister(objects);
  const authorizer = new RbacAuthorizer({
    getRole: (ns, name) => lister.getRole(ns, name),
    listRoleBindings: (ns) => lister.listRoleBindings(ns),
    roleBindingsFor: (ns, u) => lister.roleBindingsFor(ns, u),
    getClusterRole: (name) => lister.getClusterRole(name),
    listClusterRoleBindings: () => lister.listClusterRoleBindings(),
    clusterRoleBindingsFor: (u) => lister.clusterRoleBindingsFor(u),
    version: () => version,
  });
  const joined: AuthzUser = { name: 'x', groups: ['b\u0000c'] };
  const member: AuthzUser = { name: 'x', groups: ['b'] };
  const other: AuthzUser = { name: 'x\u0000b', groups: [] };
  assert.equal(authorizer.authorize(res(joined, 'get', 'pods', 'ns')).decision, 'noOpinion');
  assert.equal(authorizer.authorize(res(other, 'get', 'pods', 'ns')).decision, 'noOpinion');
  assert.equal(authorizer.authorize(res(member, 'get', 'pods', 'ns')).decision, 'allow');
  // A change the lister reports is seen at once; without a new version the old answer stands.
  objects = { ...objects, roleBindings: [] };
  lister = staticRbacLister(objects);
  assert.equal(authorizer.authorize(res(member, 'get', 'pods', 'ns')).decision, 'allow');
  version++;
  assert.equal(authorizer.authorize(res(member, 'get', 'pods', 'ns')).decision, 'noOpinion');
});
