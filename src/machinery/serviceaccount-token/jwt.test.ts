import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { generateSigningKeyPem, signingKeyFromPem } from './signing-key.js';
import { signJwt, unverifiedPayload, verifyJwt } from './jwt.js';

const key = signingKeyFromPem(await generateSigningKeyPem());

test('a signed token verifies here and with jose against the published JWK', async () => {
  const token = await signJwt(key, { iss: 'me', sub: 'x', aud: ['a'] });
  const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
  assert.deepEqual(header, { alg: 'RS256', kid: key.keyId });
  assert.deepEqual(verifyJwt(key, token), { ok: true, payload: { iss: 'me', sub: 'x', aud: ['a'] } });
  const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [key.jwk] }), { issuer: 'me', audience: 'a' });
  assert.equal(payload.sub, 'x');
  assert.equal(unverifiedPayload(token)?.iss, 'me');
});

test('the key id is base64url SHA-256 of the public key DER, as Kubernetes derives it', () => {
  assert.match(key.keyId, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(key.jwk.kid, key.keyId);
  assert.equal(key.jwk.kty, 'RSA');
  assert.equal(key.jwk.e, 'AQAB');
  assert.equal(signingKeyFromPem(key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).keyId, key.keyId);
});

test('tampered, foreign, unsigned and non-JWT tokens are refused', async () => {
  const token = await signJwt(key, { iss: 'me', sub: 'x' });
  const [h, p, s] = token.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ iss: 'me', sub: 'admin' })).toString('base64url')}.${s}`;
  assert.deepEqual(verifyJwt(key, forged), { ok: false, notJwt: false, message: 'error in cryptographic primitive' });
  const other = signingKeyFromPem(await generateSigningKeyPem());
  const foreign = await signJwt({ ...other, keyId: key.keyId }, { iss: 'me' });
  assert.equal(verifyJwt(key, foreign).ok, false);
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
  assert.deepEqual(verifyJwt(key, none), {
    ok: false,
    notJwt: false,
    message: 'unexpected signature algorithm "none"',
  });
  const hs = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${p}.${s}`;
  assert.equal(verifyJwt(key, hs).ok, false);
  for (const t of ['admin-secret', 'a.b', 'a.b.c.d', `${h}.${p}`, '%%.%%.%%'])
    assert.deepEqual(verifyJwt(key, t), { ok: false, notJwt: true, message: 'not a compact JWT' });
  assert.equal(unverifiedPayload('K10abc::server:def'), undefined);
});

test('only RSA keys are accepted', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => signingKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), /must be RSA/);
});
