import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { createAuthenticator } from './authenticator.js';

const joinSecret = 'c'.repeat(32);
const joinToken = `K10${'a'.repeat(64)}::server:${joinSecret}`;
const auth = createAuthenticator({
  adminToken: 'admin-secret',
  joinToken,
  lookupToken: (t) =>
    t === 'sa-token' ? { name: 'system:serviceaccount:default:web', groups: ['system:serviceaccounts'] } : undefined,
});

function request(headers: Record<string, string>): IncomingMessage {
  return { headers, socket: new Socket() } as unknown as IncomingMessage;
}

test('the admin token is user admin in system:masters', () => {
  assert.deepEqual(auth.authenticate(request({ authorization: 'Bearer admin-secret' })), {
    name: 'admin',
    groups: ['system:masters', 'system:authenticated'],
  });
});

test('no, wrong or non-bearer credentials authenticate nobody', () => {
  assert.equal(auth.authenticate(request({})), undefined);
  assert.equal(auth.authenticate(request({ authorization: 'Bearer admin-secreT' })), undefined);
  assert.equal(auth.authenticate(request({ authorization: 'Bearer ' })), undefined);
  assert.equal(auth.authenticate(request({ authorization: 'Basic YWRtaW46YWRtaW4=' })), undefined);
  assert.equal(auth.authenticate(request({ authorization: `Bearer ${joinToken.slice(0, -1)}` })), undefined);
});

test('the join token (full or secret only) authenticates a node, named by header when given', () => {
  assert.deepEqual(
    auth.authenticate(request({ authorization: `Bearer ${joinToken}`, 'x-flotilla-node-name': 'node-1' })),
    { name: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] },
  );
  assert.deepEqual(auth.authenticate(request({ authorization: `Bearer ${joinSecret}` })), {
    name: 'system:node-bootstrapper',
    groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
  });
  assert.equal(
    auth.authenticate(request({ authorization: `Bearer ${joinToken}`, 'x-flotilla-node-name': 'Bad_Name' }))?.name,
    'system:node-bootstrapper',
  );
});

test('with joinTokenNodeNames off (the Node authorizer), the join token never names a node', () => {
  const strict = createAuthenticator({ adminToken: 'admin-secret', joinToken, joinTokenNodeNames: false });
  assert.deepEqual(
    strict.authenticate(request({ authorization: `Bearer ${joinToken}`, 'x-flotilla-node-name': 'node-1' })),
    { name: 'system:node-bootstrapper', groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'] },
  );
});

test('other tokens go to lookupToken and gain system:authenticated', () => {
  assert.deepEqual(auth.authenticate(request({ authorization: 'bearer sa-token' })), {
    name: 'system:serviceaccount:default:web',
    groups: ['system:serviceaccounts', 'system:authenticated'],
  });
});

test('one connection: the answer follows the credentials of each request, and looked-up tokens are asked every time', () => {
  let valid = true;
  const a = createAuthenticator({
    adminToken: 'admin-secret',
    joinToken,
    lookupToken: (t) => (valid && t === 'sa' ? { name: 'sa', groups: [] } : undefined),
  });
  const socket = new Socket();
  const on = (headers: Record<string, string>) => a.authenticate({ headers, socket } as unknown as IncomingMessage);
  assert.equal(on({ authorization: 'Bearer admin-secret' })?.name, 'admin');
  assert.equal(on({ authorization: 'Bearer admin-secret' })?.name, 'admin');
  assert.equal(
    on({ authorization: 'Bearer wrong' }),
    undefined,
    'a different token on the same socket is checked again',
  );
  assert.equal(on({ authorization: `Bearer ${joinToken}`, 'x-flotilla-node-name': 'n1' })?.name, 'system:node:n1');
  assert.equal(
    on({ authorization: `Bearer ${joinToken}`, 'x-flotilla-node-name': 'n2' })?.name,
    'system:node:n2',
    'the node header is part of the credentials',
  );
  assert.equal(on({ authorization: 'Bearer sa' })?.name, 'sa');
  valid = false;
  assert.equal(on({ authorization: 'Bearer sa' }), undefined, 'a revoked looked-up token fails at once');
  assert.equal(on({}), undefined);
});

test('ServiceAccount tokens: asked per request, and TokenReview-style checks honour audiences', () => {
  const sa = { name: 'system:serviceaccount:default:web', uid: 'u1', groups: ['system:serviceaccounts'] };
  const a = createAuthenticator({
    adminToken: 'admin-secret',
    joinToken,
    apiAudiences: ['api'],
    serviceAccountTokens: (t, auds) => {
      if (t === 'expired') return { kind: 'invalid', message: 'service account token has expired' };
      if (t !== 'jwt') return { kind: 'unknown' };
      return (auds ?? ['api']).includes('api') ? { kind: 'user', user: sa, audiences: ['api'] } : { kind: 'unknown' };
    },
    lookupToken: (t) => (t === 'expired' ? { name: 'never', groups: [] } : undefined),
  });
  assert.deepEqual(a.authenticate(request({ authorization: 'Bearer jwt' })), {
    ...sa,
    groups: ['system:serviceaccounts', 'system:authenticated'],
  });
  assert.equal(a.authenticate(request({ authorization: 'Bearer expired' })), undefined, 'an invalid SA token is final');
  assert.deepEqual(a.authenticateToken('jwt'), {
    kind: 'user',
    user: { ...sa, groups: ['system:serviceaccounts', 'system:authenticated'] },
    audiences: ['api'],
  });
  assert.deepEqual(a.authenticateToken('expired'), { kind: 'invalid', message: 'service account token has expired' });
  // The cluster tokens know no audience: valid for the API's audiences only.
  assert.deepEqual(a.authenticateToken('admin-secret'), {
    kind: 'user',
    user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] },
    audiences: ['api'],
  });
  assert.deepEqual(a.authenticateToken('admin-secret', ['vault']), { kind: 'unknown' });
  assert.equal(a.authenticateToken(joinSecret, ['api', 'x']).kind, 'user');
  assert.deepEqual(a.authenticateToken('nothing'), { kind: 'unknown' });
});

test('with anonymous on, only a request without credentials is system:anonymous; bad credentials stay unauthenticated', () => {
  const anon = createAuthenticator({ adminToken: 'admin-secret', joinToken, anonymous: true });
  const anonymous = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  assert.deepEqual(anon.authenticate(request({})), anonymous);
  // Not a bearer token: no credential, as Kubernetes' bearer token authenticator sees it.
  assert.deepEqual(anon.authenticate(request({ authorization: 'Basic YWRtaW46YWRtaW4=' })), anonymous);
  assert.equal(anon.authenticate(request({ authorization: 'Bearer wrong' })), undefined);
  assert.equal(anon.authenticate(request({ authorization: `Bearer ${joinToken.slice(0, -1)}` })), undefined);
  assert.equal(anon.authenticate(request({ authorization: 'Bearer admin-secret' }))?.name, 'admin');
});
