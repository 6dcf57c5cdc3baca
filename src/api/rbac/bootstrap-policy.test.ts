import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { resolveAggregation } from './aggregate.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { controllerNames } from './controller-policy.js';
import { type RuleRequest, rulesAllow } from './policy-rule.js';
import { newRule } from './rule-builder.js';

const policy = bootstrapPolicy();
const effective = new Map(resolveAggregation(policy.clusterRoles).map((r) => [r.metadata?.name ?? '', r]));

function can(roleName: string, verb: string, apiGroup: string, resource: string, subresource = '', name = ''): boolean {
  const role = effective.get(roleName);
  assert.ok(role, `role ${roleName} exists`);
  const req: RuleRequest = { resourceRequest: true, verb, apiGroup, resource, subresource, name };
  return rulesAllow(req, role.rules ?? []);
}

function canPath(roleName: string, verb: string, path: string): boolean {
  const role = effective.get(roleName) as ClusterRole;
  return rulesAllow({ resourceRequest: false, verb, path }, role.rules ?? []);
}

test('bootstrap policy: the roles kube-apiserver creates, each labelled and annotated for autoupdate', () => {
  const names = policy.clusterRoles.map((r) => r.metadata?.name);
  for (const n of [
    'cluster-admin',
    'admin',
    'edit',
    'view',
    'system:aggregate-to-admin',
    'system:aggregate-to-edit',
    'system:aggregate-to-view',
    'system:basic-user',
    'system:discovery',
    'system:public-info-viewer',
    'system:monitoring',
    'system:auth-delegator',
    'system:node',
    'system:node-proxier',
    'system:node-bootstrapper',
    'system:kube-scheduler',
    'system:volume-scheduler',
    'system:kube-controller-manager',
    'system:service-account-issuer-discovery',
    'system:controller:deployment-controller',
    'system:controller:clusterrole-aggregation-controller',
  ])
    assert.ok(names.includes(n), `${n} is bootstrapped`);
  assert.equal(new Set(names).size, names.length, 'role names are unique');
  for (const o of [...policy.clusterRoles, ...policy.clusterRoleBindings]) {
    assert.equal(o.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata?.name);
    assert.equal(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', o.metadata?.name);
  }
  const bindingNames = policy.clusterRoleBindings.map((b) => b.metadata?.name);
  assert.equal(new Set(bindingNames).size, bindingNames.length, 'binding names are unique');
  for (const b of policy.clusterRoleBindings)
    assert.ok(names.includes(b.roleRef.name), `binding ${b.metadata?.name} refers to a bootstrapped role`);
});

test('bootstrap policy: namespaced roles and bindings in kube-system and kube-public', () => {
  const roles = policy.roles.map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`);
  assert.ok(roles.includes('kube-system/system::leader-locking-kube-scheduler'));
  assert.ok(roles.includes('kube-system/extension-apiserver-authentication-reader'));
  assert.ok(roles.includes('kube-public/system:controller:bootstrap-signer'));
  for (const o of [...policy.roles, ...policy.roleBindings]) {
    assert.equal(o.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
    assert.equal(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
  }
  for (const b of policy.roleBindings)
    assert.ok(
      roles.includes(`${b.metadata?.namespace}/${b.roleRef.name}`),
      `${b.metadata?.name} refers to a Role of its namespace`,
    );
  const locking = policy.roles.find((r) => r.metadata?.name === 'system::leader-locking-kube-scheduler');
  assert.equal(
    rulesAllow(
      {
        resourceRequest: true,
        verb: 'update',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        subresource: '',
        name: 'x',
      },
      locking?.rules ?? [],
    ),
    true,
  );
});

test('bootstrap policy: default bindings', () => {
  const subjects = (name: string) =>
    policy.clusterRoleBindings
      .find((b) => b.metadata?.name === name)
      ?.subjects?.map((s) => `${s.kind}:${s.namespace ? `${s.namespace}/` : ''}${s.name}`);
  assert.deepEqual(subjects('cluster-admin'), ['Group:system:masters']);
  assert.deepEqual(subjects('system:basic-user'), ['Group:system:authenticated']);
  assert.deepEqual(subjects('system:discovery'), ['Group:system:authenticated']);
  assert.deepEqual(subjects('system:public-info-viewer'), [
    'Group:system:authenticated',
    'Group:system:unauthenticated',
  ]);
  assert.deepEqual(subjects('system:monitoring'), ['Group:system:monitoring']);
  assert.deepEqual(subjects('system:kube-scheduler'), ['User:system:kube-scheduler']);
  assert.deepEqual(subjects('system:kube-controller-manager'), ['User:system:kube-controller-manager']);
  assert.deepEqual(subjects('system:node-proxier'), ['User:system:kube-proxy']);
  assert.deepEqual(subjects('system:node'), undefined, 'nodes are authorized by the Node authorizer, not this binding');
  assert.deepEqual(subjects('system:service-account-issuer-discovery'), ['Group:system:serviceaccounts']);
  for (const c of controllerNames())
    assert.deepEqual(subjects(`system:controller:${c}`), [`ServiceAccount:kube-system/${c}`]);
});

test('bootstrap policy: aggregation labels and rules of admin, edit and view', () => {
  const byName = new Map(policy.clusterRoles.map((r) => [r.metadata?.name, r]));
  assert.deepEqual(byName.get('admin')?.aggregationRule, {
    clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }],
  });
  assert.equal(byName.get('admin')?.rules, undefined);
  assert.equal(byName.get('edit')?.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
  assert.equal(byName.get('view')?.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  assert.equal(
    byName.get('system:aggregate-to-view')?.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-view'],
    'true',
  );
});

const matrix: {
  role: string;
  verb: string;
  group: string;
  resource: string;
  sub?: string;
  name?: string;
  allowed: boolean;
}[] = [
  { role: 'view', verb: 'get', group: '', resource: 'pods', allowed: true },
  { role: 'view', verb: 'get', group: '', resource: 'pods', sub: 'log', allowed: true },
  { role: 'view', verb: 'get', group: '', resource: 'secrets', allowed: false },
  { role: 'view', verb: 'list', group: '', resource: 'secrets', allowed: false },
  { role: 'view', verb: 'create', group: '', resource: 'pods', sub: 'exec', allowed: false },
  { role: 'view', verb: 'list', group: 'apps', resource: 'deployments', allowed: true },
  { role: 'view', verb: 'create', group: 'apps', resource: 'deployments', allowed: false },
  { role: 'view', verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'roles', allowed: false },
  { role: 'edit', verb: 'create', group: 'apps', resource: 'deployments', allowed: true },
  { role: 'edit', verb: 'patch', group: 'apps', resource: 'deployments', sub: 'scale', allowed: true },
  { role: 'edit', verb: 'get', group: '', resource: 'secrets', allowed: true },
  { role: 'edit', verb: 'create', group: '', resource: 'pods', sub: 'exec', allowed: true },
  { role: 'edit', verb: 'create', group: '', resource: 'serviceaccounts', sub: 'token', allowed: true },
  { role: 'edit', verb: 'impersonate', group: '', resource: 'serviceaccounts', allowed: true },
  { role: 'edit', verb: 'update', group: '', resource: 'pods', sub: 'status', allowed: false },
  { role: 'edit', verb: 'create', group: '', resource: 'endpoints', allowed: false },
  { role: 'edit', verb: 'create', group: '', resource: 'resourcequotas', allowed: false },
  { role: 'edit', verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', allowed: false },
  { role: 'admin', verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', allowed: true },
  {
    role: 'admin',
    verb: 'create',
    group: 'authorization.k8s.io',
    resource: 'localsubjectaccessreviews',
    allowed: true,
  },
  { role: 'admin', verb: 'create', group: 'apps', resource: 'deployments', allowed: true },
  { role: 'admin', verb: 'create', group: '', resource: 'nodes', allowed: false },
  {
    role: 'cluster-admin',
    verb: 'escalate',
    group: 'rbac.authorization.k8s.io',
    resource: 'clusterroles',
    allowed: true,
  },
  { role: 'system:node', verb: 'get', group: '', resource: 'pods', allowed: true },
  { role: 'system:node', verb: 'list', group: '', resource: 'pods', allowed: true },
  { role: 'system:node', verb: 'patch', group: '', resource: 'pods', sub: 'status', allowed: true },
  { role: 'system:node', verb: 'get', group: '', resource: 'secrets', allowed: true },
  { role: 'system:node', verb: 'create', group: '', resource: 'secrets', allowed: false },
  { role: 'system:node', verb: 'update', group: 'coordination.k8s.io', resource: 'leases', allowed: true },
  {
    role: 'system:node',
    verb: 'create',
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    allowed: true,
  },
  { role: 'system:node', verb: 'delete', group: '', resource: 'nodes', allowed: false },
  {
    role: 'system:node-bootstrapper',
    verb: 'create',
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    allowed: true,
  },
  { role: 'system:node-bootstrapper', verb: 'get', group: '', resource: 'secrets', allowed: false },
  { role: 'system:kube-scheduler', verb: 'create', group: '', resource: 'pods', sub: 'binding', allowed: true },
  {
    role: 'system:kube-scheduler',
    verb: 'update',
    group: 'coordination.k8s.io',
    resource: 'leases',
    name: 'kube-scheduler',
    allowed: true,
  },
  {
    role: 'system:kube-scheduler',
    verb: 'update',
    group: 'coordination.k8s.io',
    resource: 'leases',
    name: 'other',
    allowed: false,
  },
  {
    role: 'system:basic-user',
    verb: 'create',
    group: 'authorization.k8s.io',
    resource: 'selfsubjectrulesreviews',
    allowed: true,
  },
  {
    role: 'system:controller:disruption-controller',
    verb: 'get',
    group: 'apps',
    resource: 'statefulsets',
    sub: 'scale',
    allowed: true,
  },
  {
    role: 'system:controller:disruption-controller',
    verb: 'update',
    group: 'apps',
    resource: 'statefulsets',
    sub: 'scale',
    allowed: false,
  },
  {
    role: 'system:controller:generic-garbage-collector',
    verb: 'delete',
    group: 'apps',
    resource: 'replicasets',
    allowed: true,
  },
  {
    role: 'system:controller:deployment-controller',
    verb: 'create',
    group: 'apps',
    resource: 'replicasets',
    allowed: true,
  },
  { role: 'system:controller:deployment-controller', verb: 'create', group: '', resource: 'pods', allowed: false },
];

for (const m of matrix) {
  const what = `${m.verb} ${m.resource}${m.sub ? `/${m.sub}` : ''}${m.group ? `.${m.group}` : ''}${m.name ? ` ${m.name}` : ''}`;
  test(`bootstrap policy: ${m.role} ${m.allowed ? 'can' : 'cannot'} ${what}`, () => {
    assert.equal(can(m.role, m.verb, m.group, m.resource, m.sub ?? '', m.name ?? ''), m.allowed);
  });
}

test('bootstrap policy: non-resource paths', () => {
  assert.equal(canPath('system:public-info-viewer', 'get', '/version'), true);
  assert.equal(canPath('system:public-info-viewer', 'get', '/apis'), false);
  assert.equal(canPath('system:discovery', 'get', '/apis/apps/v1'), true);
  assert.equal(canPath('system:discovery', 'get', '/openapi/v3'), true);
  assert.equal(canPath('system:discovery', 'post', '/apis'), false);
  assert.equal(canPath('system:monitoring', 'get', '/metrics'), true);
  assert.equal(canPath('system:monitoring', 'get', '/readyz/etcd'), true);
  assert.equal(canPath('system:service-account-issuer-discovery', 'get', '/openid/v1/jwks'), true);
});

test('rule builder: lists sorted, malformed rules rejected', () => {
  assert.deepEqual(newRule('watch', 'get').groups('b', 'a').resources('z', 'y').names('n2', 'n1').rule(), {
    apiGroups: ['a', 'b'],
    resources: ['y', 'z'],
    verbs: ['get', 'watch'],
    resourceNames: ['n1', 'n2'],
  });
  assert.throws(() => newRule().groups('').resources('pods').rule());
  assert.throws(() => newRule('get').resources('pods').rule(), /must have groups/);
  assert.throws(() => newRule('get').groups('').urls('/x').rule(), /non-resource/);
  assert.throws(() => newRule('get').groups('').rule(), /neither/);
});

test('bootstrap policy: fresh objects each call', () => {
  const a = bootstrapPolicy();
  a.clusterRoles[0].rules?.push({ verbs: ['x'] });
  assert.notDeepEqual(bootstrapPolicy().clusterRoles[0], a.clusterRoles[0]);
});
