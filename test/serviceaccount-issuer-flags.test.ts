/**
 * kube-apiserver's ServiceAccount token flags on `flotilla server`, through the real kubectl:
 * `--service-account-issuer` (tokens carry the first, discovery names it), `--api-audiences`,
 * `--service-account-signing-key-file` (a key file several servers can share) and
 * `--service-account-key-file` (tokens another server signed with its key are accepted, and that
 * key is published in the JWKS).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signJwt } from '../src/machinery/serviceaccount-token/jwt.js';
import { generateSigningKeyPem, signingKeyFromPem } from '../src/machinery/serviceaccount-token/signing-key.js';
import { kubectl, startTestServer, writeUserKubeconfig, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

const ISSUER = 'https://flotilla.example.com';
const OLD_ISSUER = 'https://old.example.com';
let server: TestServer;
let keys: string;
let signingPem: string;
let otherPem: string;
let bare: string;

before(async () => {
  keys = await mkdtemp(join(tmpdir(), 'flotilla-sa-keys-'));
  signingPem = await generateSigningKeyPem();
  otherPem = await generateSigningKeyPem();
  await writeFile(join(keys, 'sa.key'), signingPem, { mode: 0o600 });
  // Only the public half of the other server's key is given.
  await writeFile(
    join(keys, 'other.pub'),
    signingKeyFromPem(otherPem).publicKey.export({ type: 'spki', format: 'pem' }),
  );
  server = await startTestServer({
    extraArgs: [
      '--authorization-mode',
      'RBAC',
      '--service-account-issuer',
      ISSUER,
      '--service-account-issuer',
      OLD_ISSUER,
      '--api-audiences',
      `${ISSUER},api`,
      '--service-account-signing-key-file',
      join(keys, 'sa.key'),
      '--service-account-key-file',
      join(keys, 'other.pub'),
    ],
    readyTimeoutMs: 60_000,
  });
  bare = await writeUserKubeconfig(server, 'nobody', undefined);
  ok(await server.kubectl(['create', 'serviceaccount', 'robot']));
});

after(async () => {
  await server?.stop();
  if (keys) await rm(keys, { recursive: true, force: true });
});

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const whoami = (token: string) => kubectl(['--token', token, 'auth', 'whoami', '-o', 'json'], { kubeconfig: bare });

test('tokens carry the first issuer and the API audiences, are signed with the key file, and authenticate', async () => {
  const token = ok(await server.kubectl(['create', 'token', 'robot'])).trim();
  const claims = claimsOf(token);
  assert.equal(claims.iss, ISSUER);
  assert.deepEqual(claims.aud, [ISSUER, 'api']);
  const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string };
  assert.equal(header.kid, signingKeyFromPem(signingPem).keyId);
  await eventually(async () => (await whoami(token)).code === 0, 'the token to authenticate');
  assert.match(ok(await whoami(token)), /system:serviceaccount:default:robot/);
});

test('OIDC discovery follows the issuer and publishes both keys', async () => {
  const get = async (path: string) => JSON.parse(ok(await server.kubectl(['get', '--raw', path])));
  const config = (await get('/.well-known/openid-configuration')) as { issuer: string; jwks_uri: string };
  assert.equal(config.issuer, ISSUER);
  assert.match(config.jwks_uri, /^https:\/\/127\.0\.0\.1:\d+\/openid\/v1\/jwks$/);
  const jwks = (await get('/openid/v1/jwks')) as { keys: { kid: string }[] };
  assert.deepEqual(
    jwks.keys.map((k) => k.kid),
    [signingKeyFromPem(signingPem).keyId, signingKeyFromPem(otherPem).keyId],
  );
});

test("another server's token (its key in --service-account-key-file, an older issuer) is accepted; a stranger's is not", async () => {
  const own = ok(await server.kubectl(['create', 'token', 'robot'])).trim();
  const claims = { ...claimsOf(own), iss: OLD_ISSUER };
  const fromOther = await signJwt(signingKeyFromPem(otherPem), claims);
  assert.match(ok(await whoami(fromOther)), /system:serviceaccount:default:robot/);
  const stranger = await signJwt(signingKeyFromPem(await generateSigningKeyPem()), claims);
  const refused = await whoami(stranger);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Unauthorized/);
  const otherIssuer = await signJwt(signingKeyFromPem(otherPem), { ...claims, iss: 'https://elsewhere.example' });
  assert.notEqual((await whoami(otherIssuer)).code, 0);
});
