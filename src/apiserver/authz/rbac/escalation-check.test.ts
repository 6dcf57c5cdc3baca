import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { ApiError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { compactRules, compactString } from '../../../api/rbac/compact-rules.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { staticRbacLister } from './rbac-lister.js';
import { checkRbacEscalation, type RbacWrite } from './escalation-check.js';

const RBAC = 'rbac.authorization.k8s.io';
const bob = { name: 'bob', groups: ['devs', 'system:authenticated'] };

const lister = staticRbacLister({
  roles: [
    {
      metadata: { namespace: 'dev', name: 'pods-rw' },
      rules: [
        { verbs: ['get', 'list', 'create'], apiGroups: [''], resources: ['pods', 'pods/log'] },
        { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] },
        { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      ],
    },
    {
      metadata: { namespace: 'dev', name: 'secrets' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
    },
  ],
  roleBindings: [
    binding('dev', 'bob-pods', 'Role', 'pods-rw', { kind: 'Group', name: 'devs' }),
    binding('dev', 'carol-escalate', 'ClusterRole', 'role-writer', { kind: 'User', name: 'carol' }),
    binding('dev', 'dave-bind', 'ClusterRole', 'binder', { kind: 'User', name: 'dave' }),
  ],
  clusterRoles: [
    {
      metadata: { name: 'role-writer' },
      rules: [{ verbs: ['create', 'update', 'escalate'], apiGroups: [RBAC], resources: ['roles'] }],
    },
    {
      metadata: { name: 'binder' },
      rules: [
        { verbs: ['create'], apiGroups: [RBAC], resources: ['rolebindings'] },
        { verbs: ['bind'], apiGroups: [RBAC], resources: ['roles'], resourceNames: ['secrets'] },
      ],
    },
    {
      metadata: { name: 'god' },
      rules: [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ],
    },
  ],
  clusterRoleBindings: [
    {
      metadata: { name: 'root' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'god' },
      subjects: [{ kind: 'User', name: 'root' }],
    },
  ],
});
const deps = { authorizer: new RbacAuthorizer(lister), lister };

function binding(
  ns: string,
  name: string,
  kind: string,
  role: string,
  subject: RoleBinding['subjects'] extends (infer S)[] | undefined ? S : never,
): RoleBinding {
  return { metadata: { namespace: ns, name }, roleRef: { apiGroup: RBAC, kind, name: role }, subjects: [subject] };
}

function role(name: string, rules: Role['rules']): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { namespace: 'dev', name },
    rules,
  } as unknown as KubeObject;
}

function write(resource: string, next: KubeObject, old?: KubeObject, namespace = 'dev'): RbacWrite {
  return {
    group: RBAC,
    resource,
    namespace,
    name: next.metadata.name ?? '',
    requestName: old ? (next.metadata.name ?? '') : '',
    next,
    old,
  };
}

function refusal(fn: () => void): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail('expected a refusal');
}

test("a Role within the writer's own rules is allowed, incl. subresource wildcards and resource names", () => {
  const r = role('sub', [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] },
    { verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] },
  ]);
  checkRbacEscalation(deps, bob, write('roles', r));
});

test("a Role granting more is 403 with Kubernetes' text, missing rules compacted and sorted", () => {
  const r = role('more', [
    { verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] },
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] },
    { verbs: ['get'], nonResourceURLs: ['/metrics'] },
  ]);
  const e = refusal(() => checkRbacEscalation(deps, bob, write('roles', r)));
  assert.equal(e.code, 403);
  assert.equal(
    e.message,
    'roles.rbac.authorization.k8s.io "more" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:[""], Resources:["configmaps"], Verbs:["get"]}\n' +
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n' +
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}\n' +
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
  );
  assert.deepEqual(e.details, { name: 'more', group: RBAC, kind: 'roles' });
  // The same Role in a namespace where bob holds nothing.
  const other = refusal(() =>
    checkRbacEscalation(
      deps,
      bob,
      write('roles', role('x', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), undefined, 'prod'),
    ),
  );
  assert.match(other.message, /not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["get"\]\}$/);
});

test('the escalate verb, system:masters and a wildcard holder may grant anything', () => {
  const r = role('all', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  checkRbacEscalation(deps, { name: 'carol', groups: [] }, write('roles', r));
  checkRbacEscalation(deps, { name: 'x', groups: ['system:masters'] }, write('roles', r));
  checkRbacEscalation(deps, { name: 'root', groups: [] }, write('roles', r));
});

test('an aggregationRule needs full authority, also when an update removes it', () => {
  const agg = {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'agg' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] },
    rules: [],
  } as unknown as KubeObject;
  const e = refusal(() => checkRbacEscalation(deps, bob, write('clusterroles', agg, undefined, '')));
  assert.equal(
    e.message,
    'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
  );
  const plain = { ...agg, aggregationRule: undefined } as unknown as KubeObject;
  refusal(() => checkRbacEscalation(deps, bob, write('clusterroles', plain, agg, '')));
  checkRbacEscalation(deps, { name: 'root', groups: [] }, write('clusterroles', agg, undefined, ''));
});

test('bindings need bind on the role or all of its rules; a missing role is 404', () => {
  const b = (name: string, kind: string, ref: string) =>
    binding('dev', name, kind, ref, { kind: 'User', name: 'eve' }) as unknown as KubeObject;
  // bob holds pods-rw: binding it is fine; binding `secrets` is not.
  checkRbacEscalation(deps, bob, write('rolebindings', b('ok', 'Role', 'pods-rw')));
  const e = refusal(() => checkRbacEscalation(deps, bob, write('rolebindings', b('no', 'Role', 'secrets'))));
  assert.equal(
    e.message,
    'rolebindings.rbac.authorization.k8s.io "no" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
  );
  // dave may bind `secrets` by name without holding it, but not pods-rw.
  const dave = { name: 'dave', groups: [] };
  checkRbacEscalation(deps, dave, write('rolebindings', b('d1', 'Role', 'secrets')));
  refusal(() => checkRbacEscalation(deps, dave, write('rolebindings', b('d2', 'Role', 'pods-rw'))));
  const missing = refusal(() => checkRbacEscalation(deps, bob, write('rolebindings', b('m', 'ClusterRole', 'nope'))));
  assert.equal(missing.code, 404);
  assert.equal(missing.message, 'clusterroles.rbac.authorization.k8s.io "nope" not found');
  // A ClusterRoleBinding is checked with cluster-wide rules only: bob holds nothing there.
  const crb = {
    metadata: { name: 'c' },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'role-writer' },
    subjects: [],
  } as unknown as KubeObject;
  refusal(() => checkRbacEscalation(deps, bob, write('clusterrolebindings', crb, undefined, '')));
});

test('an update that only touches ownerReferences or finalizers passes', () => {
  const old = binding('dev', 'g', 'Role', 'secrets', { kind: 'User', name: 'eve' }) as unknown as KubeObject;
  const next = structuredClone(old);
  next.metadata.finalizers = ['x'];
  checkRbacEscalation(deps, bob, write('rolebindings', next, old));
  const changed = structuredClone(next) as unknown as RoleBinding;
  changed.subjects = [{ kind: 'User', name: 'mallory' }];
  refusal(() => checkRbacEscalation(deps, bob, write('rolebindings', changed as unknown as KubeObject, old)));
});

test('compactRules merges simple rules by group, resource and name', () => {
  const out = compactRules([
    { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
    { verbs: ['get'], nonResourceURLs: ['/x'] },
  ] satisfies ClusterRole['rules']);
  assert.deepEqual(out.map(compactString), [
    '{NonResourceURLs:["/x"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
    '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}',
  ]);
});
