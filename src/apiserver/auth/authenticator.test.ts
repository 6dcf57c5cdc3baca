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
  lookupToken: (t) => (t === 'sa-token' ? { name: 'system:serviceaccount:default:web', groups: ['system:serviceaccounts'] } : undefined),
});

function request(headers: Record<string, string>): IncomingMessage {
  return { headers, socket: new Socket() } as unknown as IncomingMessage;
}

test('the admin token is user admin in system:masters', () => {
  assert.deepEqual(auth.authenticate(request({ authorization: 'Bearer admin-secret' })), { name: 'admin', groups: ['system:masters', 'system:authenticated'] });
});

test('no, wrong or non-bearer credentials authenticate nobody', () => {
  assert.equal(auth.authenticate(request({})), undefined);
  assert.equal(auth.authenticate(request({ authorization: 'Bearer admin-secreT' })), undefined);
  assert.equal(auth.authenticate(request({ authorization: 'Bearer ' })), undefined);
  assert.equal(auth.authenticate(request({ authorization: 'Basic YWRtaW46YWRtaW4=' })), undefined);
  assert.equal(auth.authenticate(request({ authorization: `Bearer ${joinToken.slice(0, -1)}` })), undefined);
});

test('the join token (full or secret only) authenticates a node, named by header when given', () => {
  assert.deepEqual(auth.authenticate(request({ authorization: `Bearer ${joinToken}`, 'x-flotilla-node-name': 'node-1' })),
    { name: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] });
  assert.deepEqual(auth.authenticate(request({ authorization: `Bearer ${joinSecret}` })),
    { name: 'system:node-bootstrapper', groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'] });
  assert.equal(auth.authenticate(request({ authorization: `Bearer ${joinToken}`, 'x-flotilla-node-name': 'Bad_Name' }))?.name, 'system:node-bootstrapper');
});

test('other tokens go to lookupToken and gain system:authenticated', () => {
  assert.deepEqual(auth.authenticate(request({ authorization: 'bearer sa-token' })),
    { name: 'system:serviceaccount:default:web', groups: ['system:serviceaccounts', 'system:authenticated'] });
});
