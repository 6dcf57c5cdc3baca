import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../api/errors.js';
import { issueCa, issueLeaf } from '../machinery/pki/issue-certs.js';
import { certificateIdentity, parseLoginRequest } from './login-request.js';

async function rejects(body: unknown, field: string, message: RegExp): Promise<void> {
  await assert.rejects(parseLoginRequest(body), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 400);
    assert.equal(err.details?.causes?.[0]?.field, field);
    assert.match(err.message, message);
    return true;
  });
}

const kubeconfig = (user: Record<string, string>) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'users:',
    '- name: other',
    '  user: {token: not-this-one}',
    '- name: me',
    `  user: ${JSON.stringify(user)}`,
    'contexts:',
    '- name: a',
    '  context: {cluster: c, user: other}',
    '- name: b',
    '  context: {cluster: c, user: me}',
    'current-context: b',
  ].join('\n');

test('a login body gives one of token, code or kubeconfig; bad ones name the field', async () => {
  assert.deepEqual(await parseLoginRequest({ token: ' abc \n' }), { kind: 'token', token: 'abc' });
  assert.deepEqual(await parseLoginRequest({ code: 'xyz' }), { kind: 'code', code: 'xyz' });
  await rejects({}, 'token', /token: Required value/);
  await rejects({ token: '' }, 'token', /Required value/);
  await rejects({ token: 1 }, 'token', /must be a string/);
  await rejects({ token: 'a', code: 'b' }, 'code', /only one of/);
  await rejects({ password: 'x' }, 'password', /unknown field "password"/);
  await rejects([], '<body>', /JSON object/);
  await rejects({ token: 'x'.repeat(70_000) }, 'token', /Too long/);
  await rejects({ kubeconfig: '{{{' }, 'kubeconfig', /not YAML/);
});

test("a kubeconfig logs in as its current context's user: token or embedded certificate", async () => {
  assert.deepEqual(await parseLoginRequest({ kubeconfig: kubeconfig({ token: 'secret' }) }), {
    kind: 'token',
    token: 'secret',
  });
  const cert = await parseLoginRequest({
    kubeconfig: kubeconfig({
      'client-certificate-data': Buffer.from('CERT').toString('base64'),
      'client-key-data': Buffer.from('KEY').toString('base64'),
    }),
  });
  assert.deepEqual(cert, { kind: 'certificate', certPem: 'CERT', keyPem: 'KEY', field: 'kubeconfig.users[1].user' });
  await rejects(
    { kubeconfig: kubeconfig({ 'client-certificate': '/etc/x.crt', 'client-key': '/etc/x.key' }) },
    'kubeconfig.users[1].user.client-certificate',
    /cannot read files/,
  );
  await rejects({ kubeconfig: kubeconfig({}) }, 'kubeconfig.users[1].user.token', /needs a token/);
  await rejects({ kubeconfig: 'apiVersion: v1\nusers: []\n' }, 'kubeconfig.users', /no user/);
});

test('a client certificate of the cluster CA, with its key, proves CN and O', async () => {
  const ca = await issueCa(1);
  const other = await issueCa(1);
  const user = await issueLeaf(ca, { subject: 'CN=jane, O=devs, O=ops', usage: 'client', validDays: 1 });
  const now = Date.now();
  const id = certificateIdentity(user.cert, user.key, ca.cert, now);
  assert.deepEqual(id.user, { name: 'jane', groups: ['devs', 'ops', 'system:authenticated'] });
  assert.ok(id.notAfterMs > now);

  const unauthorized = (f: () => unknown, message: RegExp) =>
    assert.throws(f, (err: unknown) => err instanceof ApiError && err.code === 401 && message.test(err.message));
  unauthorized(() => certificateIdentity(user.cert, user.key, other.cert, now), /not signed by the cluster CA/);
  const stranger = await issueLeaf(ca, { subject: 'CN=bob', usage: 'client', validDays: 1 });
  unauthorized(() => certificateIdentity(user.cert, stranger.key, ca.cert, now), /key is not/);
  unauthorized(() => certificateIdentity(user.cert, 'not a key', ca.cert, now), /key is not/);
  unauthorized(() => certificateIdentity(user.cert, user.key, ca.cert, id.notAfterMs), /expired/);
  const server = await issueLeaf(ca, { subject: 'CN=server', usage: 'server', validDays: 1 });
  unauthorized(() => certificateIdentity(server.cert, server.key, ca.cert, now), /not for client authentication/);
  unauthorized(() => certificateIdentity('garbage', user.key, ca.cert, now), /not a PEM certificate/);
});
