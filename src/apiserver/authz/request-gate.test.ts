import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../api/errors.js';
import { parseRequestInfo } from '../request-info.js';
import { alwaysAllowAuthorizer } from './always-allow.js';
import { parseAuthorizationModes } from './modes.js';
import { privilegedGroupAuthorizer } from './privileged-group.js';
import { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import { staticRbacLister } from './rbac/rbac-lister.js';
import { impersonationHeaders, RequestGate } from './request-gate.js';
import { unionAuthorizer } from './union.js';

/** A request with these headers (lists become repeated headers). */
function req(method: string, url: string, headers: Record<string, string | string[]> = {}): IncomingMessage {
  const distinct: Record<string, string[]> = {};
  const joined: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    distinct[k.toLowerCase()] = Array.isArray(v) ? v : [v];
    joined[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { method, url, headers: joined, headersDistinct: distinct } as unknown as IncomingMessage;
}

const RBAC = 'rbac.authorization.k8s.io';
const rbac = new RbacAuthorizer(
  staticRbacLister({
    clusterRoles: [
      {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }],
      },
      {
        metadata: { name: 'as-alice' },
        rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['alice'] }],
      },
    ],
    roleBindings: [
      {
        metadata: { name: 'alice-read', namespace: 'dev' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'pod-reader' },
        subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }],
      },
    ],
    clusterRoleBindings: [
      {
        metadata: { name: 'dave-as-alice' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'as-alice' },
        subjects: [{ kind: 'User', apiGroup: RBAC, name: 'dave' }],
      },
    ],
  }),
);
const gate = new RequestGate(unionAuthorizer(privilegedGroupAuthorizer(), rbac), rbac);
const alice = { name: 'alice', groups: ['system:authenticated'] };
const dave = { name: 'dave', groups: ['system:authenticated'] };

function admit(r: IncomingMessage, user: { name: string; groups: string[] }) {
  return gate.admit(r, parseRequestInfo(r.method ?? 'GET', r.url ?? '/'), user);
}

function forbidden(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 403);
    return e.message;
  }
  assert.fail('expected a 403');
}

test('allows what a binding grants, answers the rest with Kubernetes 403 texts', () => {
  assert.deepEqual(admit(req('GET', '/api/v1/namespaces/dev/pods'), alice), alice);
  // Streaming subresources by HTTP method: log is a GET.
  admit(req('GET', '/api/v1/namespaces/dev/pods/web/log'), alice);
  assert.equal(
    forbidden(() => admit(req('POST', '/api/v1/namespaces/dev/pods/web/exec?command=sh'), alice)),
    'pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "dev"',
  );
  assert.equal(
    forbidden(() => admit(req('GET', '/api/v1/pods?watch=true'), alice)),
    'pods is forbidden: User "alice" cannot watch resource "pods" in API group "" at the cluster scope',
  );
  assert.equal(
    forbidden(() => admit(req('GET', '/metrics'), alice)),
    'forbidden: User "alice" cannot get path "/metrics"',
  );
  // A WebSocket exec is a GET but needs create too; alice's role has neither, bob's only get.
  const ws = req('GET', '/api/v1/namespaces/dev/pods/web/exec?command=sh', { Upgrade: 'websocket' });
  const getOnly = new RequestGate(
    new RbacAuthorizer(
      staticRbacLister({
        clusterRoles: [
          { metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }] },
        ],
        clusterRoleBindings: [
          {
            metadata: { name: 'b' },
            roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'r' },
            subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }],
          },
        ],
      }),
    ),
    rbac,
  );
  const bob = { name: 'bob', groups: [] };
  assert.equal(
    forbidden(() => getOnly.admit(ws, parseRequestInfo('GET', ws.url ?? ''), bob)),
    'pods "web" is forbidden: User "bob" cannot create resource "pods/exec" in API group "" in the namespace "dev"',
  );
  const plainGet = req('GET', '/api/v1/namespaces/dev/pods/web/exec?command=sh');
  assert.deepEqual(getOnly.admit(plainGet, parseRequestInfo('GET', plainGet.url ?? ''), bob), bob);
  // system:masters passes everything.
  admit(req('DELETE', '/api/v1/nodes/n1'), { name: 'admin', groups: ['system:masters'] });
});

test('impersonation is checked with the impersonate verb, then the request runs as the target', () => {
  const asAlice = req('GET', '/api/v1/namespaces/dev/pods', { 'Impersonate-User': 'alice' });
  assert.deepEqual(admit(asAlice, dave), { name: 'alice', groups: ['system:authenticated'] });
  assert.equal(
    forbidden(() => admit(req('GET', '/api/v1/namespaces/dev/pods', { 'Impersonate-User': 'bob' }), dave)),
    'users "bob" is forbidden: User "dave" cannot impersonate resource "users" in API group "" at the cluster scope',
  );
  assert.equal(
    forbidden(() =>
      admit(req('GET', '/api', { 'Impersonate-User': 'alice', 'Impersonate-Group': ['system:masters'] }), dave),
    ),
    'groups "system:masters" is forbidden: User "dave" cannot impersonate resource "groups" in API group "" at the cluster scope',
  );
  // Impersonated alice may not do what alice may not.
  assert.match(
    forbidden(() => admit(req('GET', '/api/v1/secrets', { 'Impersonate-User': 'alice' }), dave)),
    /User "alice" cannot list resource "secrets"/,
  );
  assert.throws(
    () => admit(req('GET', '/api', { 'Impersonate-Group': 'g' }), dave),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('impersonation headers: repeated groups, uid, extra keys unescaped and lower-cased', () => {
  assert.equal(impersonationHeaders(req('GET', '/api')), undefined);
  assert.deepEqual(
    impersonationHeaders(
      req('GET', '/api', {
        'Impersonate-User': 'u',
        'Impersonate-Group': ['a', 'b'],
        'Impersonate-Uid': '42',
        'Impersonate-Extra-Scopes%2FX': ['s1', 's2'],
      }),
    ),
    { user: 'u', groups: ['a', 'b'], uid: '42', extra: { 'scopes/x': ['s1', 's2'] } },
  );
});

test('AlwaysAllow allows everything and lists one rule that covers all', () => {
  const all = alwaysAllowAuthorizer();
  const open = new RequestGate(all, all);
  assert.deepEqual(
    open.admit(req('DELETE', '/api/v1/nodes/n1'), parseRequestInfo('DELETE', '/api/v1/nodes/n1'), alice),
    alice,
  );
  assert.deepEqual(all.rulesFor(alice, 'x').resourceRules, [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] },
  ]);
});

test('--authorization-mode: known modes, AlwaysAllow alone, Node only beside RBAC', () => {
  assert.deepEqual(parseAuthorizationModes('RBAC'), ['RBAC']);
  assert.deepEqual(parseAuthorizationModes('Node, RBAC'), ['Node', 'RBAC']);
  assert.deepEqual(parseAuthorizationModes('AlwaysAllow'), ['AlwaysAllow']);
  assert.throws(() => parseAuthorizationModes('ABAC'), /unknown mode "ABAC"/);
  assert.throws(() => parseAuthorizationModes('RBAC,RBAC'), /given twice/);
  assert.throws(() => parseAuthorizationModes('AlwaysAllow,RBAC'), /cannot be combined/);
  assert.throws(() => parseAuthorizationModes('Node'), /Node needs RBAC/);
  assert.throws(() => parseAuthorizationModes(''), /at least one/);
});
