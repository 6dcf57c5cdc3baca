/**
 * ServiceAccount tokens end to end, with `--authorization-mode RBAC` and the real kubectl:
 * `kubectl create token` (JSON and protobuf clients), the token authenticating and RBAC applying
 * to it, bound and expired tokens refused, TokenReview, the OIDC discovery documents (the JWT
 * verifies against the published JWKS with jose), legacy token Secrets, and kube-root-ca.crt.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { kubectl, startTestServer, writeUserKubeconfig, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
let server: TestServer;
/** A kubeconfig with the server and CA only: each call passes its own `--token`. */
let bare: string;

before(async () => {
  server = await startTestServer({ extraArgs: ['--authorization-mode', 'RBAC'], readyTimeoutMs: 60_000 });
  bare = await writeUserKubeconfig(server, 'nobody', undefined);
  await eventually(
    async () => (await admin(['get', 'serviceaccount', 'default'])).code === 0,
    'the default ServiceAccount',
  );
});
after(async () => {
  await server?.stop();
});

const admin = (args: string[], stdin?: string, version?: string) => server.kubectl(args, { stdin, version });
const withToken = (token: string, args: string[], version?: string) =>
  kubectl(['--token', token, ...args], { kubeconfig: bare, version });

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

test('kubectl create token: the token authenticates as the ServiceAccount (JSON and protobuf clients)', async () => {
  for (const version of ['1.27', undefined]) {
    const token = ok(await admin(['create', 'token', 'default'], undefined, version)).trim();
    const claims = claimsOf(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.deepEqual(claims.aud, [ISSUER]);
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
    const whoami = JSON.parse(ok(await withToken(token, ['auth', 'whoami', '-o', 'json'], version))) as {
      status: { userInfo: { username: string; groups: string[]; uid: string; extra: Record<string, string[]> } };
    };
    const u = whoami.status.userInfo;
    assert.equal(u.username, 'system:serviceaccount:default:default');
    assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.deepEqual(u.extra['authentication.kubernetes.io/credential-id'], [`JTI=${claims.jti}`]);
  }
  const short = await admin(['create', 'token', 'default', '--duration', '5m']);
  assert.match(
    short.stderr,
    /spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/,
  );
  assert.match((await admin(['create', 'token', 'nobody'])).stderr, /serviceaccounts "nobody" not found/);
});

test('RBAC applies to the token: 403 before a RoleBinding, allowed after', async () => {
  const token = ok(await admin(['create', 'token', 'default', '--duration', '1h'])).trim();
  const denied = await withToken(token, ['get', 'configmaps', '-n', 'default']);
  assert.match(
    denied.stderr,
    /configmaps is forbidden: User "system:serviceaccount:default:default" cannot list resource "configmaps" in API group "" in the namespace "default"/,
  );
  ok(
    await admin([
      'create',
      'rolebinding',
      'sa-view',
      '--clusterrole=view',
      '--serviceaccount=default:default',
      '-n',
      'default',
    ]),
  );
  await eventually(
    async () => (await withToken(token, ['get', 'configmaps', '-n', 'default'])).code === 0,
    'view to apply',
  );
  assert.match(ok(await withToken(token, ['get', 'configmaps', '-n', 'default'])), /kube-root-ca\.crt/);
  assert.notEqual((await withToken(token, ['get', 'configmaps', '-n', 'kube-system'])).code, 0);
});

test('expired, foreign-audience and deleted-pod-bound tokens are refused with 401', async () => {
  const key = createPrivateKey(await readFile(join(server.dataDir, 'tls', 'service-account.key'), 'utf8'));
  const sa = JSON.parse(ok(await admin(['get', 'serviceaccount', 'default', '-o', 'json']))) as {
    metadata: { uid: string };
  };
  const now = Math.floor(Date.now() / 1000);
  const sign = (exp: number) =>
    new SignJWT({
      aud: [ISSUER],
      iss: ISSUER,
      sub: 'system:serviceaccount:default:default',
      iat: now - 7200,
      nbf: now - 7200,
      exp,
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'default', uid: sa.metadata.uid } },
    })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(key);
  assert.equal(
    (await withToken(await sign(now + 600), ['auth', 'whoami'])).code,
    0,
    'a token signed with the key works',
  );
  const expired = await withToken(await sign(now - 120), ['auth', 'whoami']);
  assert.match(expired.stderr, /Unauthorized/);

  const vault = ok(await admin(['create', 'token', 'default', '--audience', 'vault'])).trim();
  assert.match((await withToken(vault, ['auth', 'whoami'])).stderr, /Unauthorized/);

  ok(await admin(['run', 'bound', '--image=busybox', '-n', 'default']));
  const bound = ok(
    await admin(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'bound']),
  ).trim();
  const whoami = ok(await withToken(bound, ['auth', 'whoami']));
  assert.match(whoami, /authentication\.kubernetes\.io\/pod-name\s+\[bound\]/);
  ok(await admin(['delete', 'pod', 'bound', '-n', 'default', '--grace-period=0', '--force']));
  await eventually(async () => (await admin(['get', 'pod', 'bound', '-n', 'default'])).code !== 0, 'the pod to go');
  assert.match((await withToken(bound, ['auth', 'whoami'])).stderr, /Unauthorized/);
});

test('TokenReview answers for the API audiences and for the audiences asked', async () => {
  const token = ok(await admin(['create', 'token', 'default'])).trim();
  const vault = ok(await admin(['create', 'token', 'default', '--audience', 'vault'])).trim();
  const review = async (spec: object) => {
    const out = ok(
      await admin(
        ['create', '-o', 'json', '-f', '-'],
        JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec }),
      ),
    );
    return (JSON.parse(out) as { status: Record<string, unknown> }).status;
  };
  const yes = await review({ token });
  assert.equal(yes.authenticated, true);
  assert.deepEqual(yes.audiences, [ISSUER]);
  assert.equal((yes.user as { username: string }).username, 'system:serviceaccount:default:default');
  const forVault = await review({ token: vault, audiences: ['vault'] });
  assert.equal(forVault.authenticated, true);
  assert.deepEqual(forVault.audiences, ['vault']);
  const wrong = await review({ token: vault });
  assert.equal(wrong.authenticated, undefined);
  assert.match(String(wrong.error), /^\[invalid bearer token, token audiences \["vault"\] is invalid/);
  assert.match(ok(await admin(['api-resources', '--api-group=authentication.k8s.io'])), /tokenreviews/);
});

test('OIDC discovery: served to ServiceAccounts, and the token verifies against the JWKS', async () => {
  const token = ok(await admin(['create', 'token', 'default'])).trim();
  const config = JSON.parse(ok(await withToken(token, ['get', '--raw', '/.well-known/openid-configuration']))) as {
    issuer: string;
    jwks_uri: string;
    id_token_signing_alg_values_supported: string[];
  };
  assert.equal(config.issuer, ISSUER);
  assert.equal(config.jwks_uri, `${server.url}/openid/v1/jwks`);
  assert.deepEqual(config.id_token_signing_alg_values_supported, ['RS256']);
  const jwks = JSON.parse(ok(await withToken(token, ['get', '--raw', '/openid/v1/jwks'])));
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: ISSUER });
  assert.equal(payload.sub, 'system:serviceaccount:default:default');
});

test('a legacy token Secret is filled, authenticates while it exists, and goes with its ServiceAccount', async () => {
  ok(await admin(['create', 'serviceaccount', 'robot', '-n', 'default']));
  ok(
    await admin(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Secret
metadata:
  name: robot-token
  namespace: default
  annotations: {kubernetes.io/service-account.name: robot}
type: kubernetes.io/service-account-token
`,
    ),
  );
  let secret: { data?: Record<string, string>; metadata: { annotations: Record<string, string> } } | undefined;
  await eventually(async () => {
    const r = await admin(['get', 'secret', 'robot-token', '-n', 'default', '-o', 'json']);
    secret = r.code === 0 ? JSON.parse(r.stdout) : undefined;
    return secret?.data?.token !== undefined;
  }, 'the token Secret to be filled');
  const data = secret?.data ?? {};
  assert.equal(Buffer.from(data['ca.crt'], 'base64').toString(), server.caPem);
  assert.equal(Buffer.from(data.namespace, 'base64').toString(), 'default');
  const robot = JSON.parse(ok(await admin(['get', 'serviceaccount', 'robot', '-o', 'json']))) as {
    metadata: { uid: string };
  };
  assert.equal(secret?.metadata.annotations['kubernetes.io/service-account.uid'], robot.metadata.uid);
  const token = Buffer.from(data.token, 'base64').toString();
  assert.equal(claimsOf(token).iss, 'kubernetes/serviceaccount');
  assert.match(ok(await withToken(token, ['auth', 'whoami'])), /system:serviceaccount:default:robot/);
  ok(await admin(['delete', 'serviceaccount', 'robot', '-n', 'default']));
  await eventually(
    async () => (await admin(['get', 'secret', 'robot-token', '-n', 'default'])).code !== 0,
    'the Secret to go',
  );
  assert.match((await withToken(token, ['auth', 'whoami'])).stderr, /Unauthorized/);
});

test('kube-root-ca.crt: in every new namespace, restored when deleted or changed', async () => {
  ok(await admin(['create', 'namespace', 'fresh']));
  const ca = async () => {
    const r = await admin(['get', 'configmap', 'kube-root-ca.crt', '-n', 'fresh', '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as { data: Record<string, string> }).data['ca.crt'] : undefined;
  };
  await eventually(async () => (await ca()) === server.caPem, 'kube-root-ca.crt in the new namespace');
  ok(await admin(['delete', 'configmap', 'kube-root-ca.crt', '-n', 'fresh']));
  await eventually(async () => (await ca()) === server.caPem, 'kube-root-ca.crt re-created');
  ok(
    await admin([
      'patch',
      'configmap',
      'kube-root-ca.crt',
      '-n',
      'fresh',
      '--type=merge',
      '-p',
      '{"data":{"ca.crt":"x"}}',
    ]),
  );
  await eventually(async () => (await ca()) === server.caPem, 'kube-root-ca.crt restored');
});
