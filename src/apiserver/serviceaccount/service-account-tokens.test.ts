import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { generateSigningKeyPem } from '../../machinery/serviceaccount-token/signing-key.js';
import { signJwt, unverifiedPayload } from '../../machinery/serviceaccount-token/jwt.js';
import { legacyTokenClaims } from '../../api/serviceaccount/token-claims.js';
import { openStore } from '../../store/index.js';
import { builtInAdmission } from '../admission/index.js';
import type { RestContext } from '../rest/rest-context.js';
import { encodeObject } from '../rest/storage-key.js';
import { WatchCache } from '../watch-cache.js';
import { storedFields } from '../write-workers/stored-fields.js';
import { ServiceAccountTokenAuthenticator } from './token-authenticator.js';
import { serviceAccountTokenConfig, type ServiceAccountTokenOptions } from './token-config.js';
import { createServiceAccountToken } from './token-request.js';
import { openIdConfiguration, jwksDocument, oidcDiscoveryRoutes } from './oidc-discovery.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const T0 = Date.parse('2026-03-01T10:00:00Z');
const keyPem = await generateSigningKeyPem();

const obj = (kind: string, metadata: KubeObject['metadata'], rest: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata,
  ...rest,
});

async function setup(tokenOptions: ServiceAccountTokenOptions = { keyPem }) {
  const store = await openStore('memory', '');
  const put = (key: string, o: KubeObject) => store.create(key, encodeObject(o));
  await put('/registry/core/namespaces/default', obj('Namespace', { name: 'default' }));
  await put(
    '/registry/core/serviceaccounts/default/web',
    obj('ServiceAccount', { name: 'web', namespace: 'default', uid: 'sa-1' }),
  );
  await put(
    '/registry/core/serviceaccounts/default/other',
    obj('ServiceAccount', { name: 'other', namespace: 'default', uid: 'sa-2' }),
  );
  await put(
    '/registry/core/pods/default/p',
    obj(
      'Pod',
      { name: 'p', namespace: 'default', uid: 'pod-1' },
      { spec: { serviceAccountName: 'web', nodeName: 'n1' } },
    ),
  );
  await put('/registry/core/nodes/n1', obj('Node', { name: 'n1', uid: 'node-1' }));
  await put('/registry/core/secrets/default/s', obj('Secret', { name: 's', namespace: 'default', uid: 'sec-1' }));
  const cache = new WatchCache({ store, fieldsOf: storedFields });
  await cache.start();
  let now = T0;
  const config = serviceAccountTokenConfig(tokenOptions);
  const ctx: RestContext = {
    store,
    cache,
    now: () => new Date(now),
    admission: builtInAdmission({}, { cache, store }),
  };
  const authn = new ServiceAccountTokenAuthenticator({ cache, config, now: () => now });
  const request = async (name: string, body: unknown) =>
    createServiceAccountToken(ctx, config, {
      namespace: 'default',
      name,
      body: Buffer.from(JSON.stringify(body)),
      contentType: 'application/json',
    });
  return {
    store,
    cache,
    config,
    authn,
    request,
    advance: (ms: number) => {
      now += ms;
    },
    stop: () => cache.stop(),
  };
}

const tokenRequest = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'authentication.k8s.io/v1',
  kind: 'TokenRequest',
  spec,
});

test('TokenRequest: defaults, claims as Kubernetes writes them, and the token authenticates', async () => {
  const s = await setup();
  try {
    const tr = await s.request('web', tokenRequest());
    assert.deepEqual(tr.spec, { audiences: [ISSUER], expirationSeconds: 3600 });
    assert.equal(tr.metadata?.name, 'web');
    assert.equal(tr.status?.expirationTimestamp, '2026-03-01T11:00:00Z');
    const token = tr.status?.token ?? '';
    const claims = unverifiedPayload(token);
    assert.deepEqual(
      { ...claims, jti: 'x' },
      {
        aud: [ISSUER],
        exp: T0 / 1000 + 3600,
        iat: T0 / 1000,
        iss: ISSUER,
        jti: 'x',
        'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'web', uid: 'sa-1' } },
        nbf: T0 / 1000,
        sub: 'system:serviceaccount:default:web',
      },
    );
    assert.deepEqual(s.authn.authenticate(token), {
      kind: 'user',
      audiences: [ISSUER],
      user: {
        name: 'system:serviceaccount:default:web',
        uid: 'sa-1',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
        extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims?.jti}`] },
      },
    });
  } finally {
    s.stop();
  }
});

test('TokenRequest: bound to a pod (with its node), a secret or a node', async () => {
  const s = await setup();
  try {
    const ref = (kind: string, name: string) => ({ boundObjectRef: { apiVersion: 'v1', kind, name } });
    const pod = (await s.request('web', tokenRequest(ref('Pod', 'p')))).status?.token ?? '';
    assert.deepEqual(unverifiedPayload(pod)?.['kubernetes.io'], {
      namespace: 'default',
      serviceaccount: { name: 'web', uid: 'sa-1' },
      pod: { name: 'p', uid: 'pod-1' },
      node: { name: 'n1', uid: 'node-1' },
    });
    const user = s.authn.authenticate(pod);
    assert.equal(user.kind, 'user');
    if (user.kind === 'user')
      assert.deepEqual(
        { ...user.user.extra, 'authentication.kubernetes.io/credential-id': [] },
        {
          'authentication.kubernetes.io/credential-id': [],
          'authentication.kubernetes.io/pod-name': ['p'],
          'authentication.kubernetes.io/pod-uid': ['pod-1'],
          'authentication.kubernetes.io/node-name': ['n1'],
          'authentication.kubernetes.io/node-uid': ['node-1'],
        },
      );
    const secret = (await s.request('web', tokenRequest(ref('Secret', 's')))).status?.token ?? '';
    assert.deepEqual((unverifiedPayload(secret)?.['kubernetes.io'] as { secret?: unknown } | undefined)?.secret, {
      name: 's',
      uid: 'sec-1',
    });
    const node = (await s.request('web', tokenRequest(ref('Node', 'n1')))).status?.token ?? '';
    assert.deepEqual((unverifiedPayload(node)?.['kubernetes.io'] as { node?: unknown } | undefined)?.node, {
      name: 'n1',
      uid: 'node-1',
    });
    for (const t of [secret, node]) assert.equal(s.authn.authenticate(t).kind, 'user');
  } finally {
    s.stop();
  }
});

test('TokenRequest errors are worded as kube-apiserver words them', async () => {
  const s = await setup();
  try {
    const fails = async (name: string, body: unknown, code: number, message: string) => {
      await assert.rejects(s.request(name, body), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, code);
        assert.equal(e.message, message);
        return true;
      });
    };
    await fails('nope', tokenRequest(), 404, 'serviceaccounts "nope" not found');
    await fails(
      'web',
      tokenRequest({ expirationSeconds: 60 }),
      422,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    await fails(
      'web',
      tokenRequest({ expirationSeconds: 2 ** 32 + 1 }),
      422,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
    );
    await fails(
      'web',
      { ...tokenRequest(), metadata: { name: 'x' } },
      422,
      'TokenRequest.authentication.k8s.io "web" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified',
    );
    const ref = (r: Record<string, string>) => tokenRequest({ boundObjectRef: { apiVersion: 'v1', ...r } });
    await fails('web', ref({ kind: 'Pod', name: 'gone' }), 404, 'pods "gone" not found');
    await fails('web', ref({ kind: 'Secret', name: 'gone' }), 404, 'secrets "gone" not found');
    await fails(
      'other',
      ref({ kind: 'Pod', name: 'p' }),
      400,
      'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.',
    );
    await fails(
      'web',
      ref({ kind: 'ConfigMap', name: 'c' }),
      400,
      'cannot bind token to object of type /v1, Kind=ConfigMap',
    );
    await fails(
      'web',
      ref({ kind: 'Pod', name: 'p', uid: 'old' }),
      409,
      'Operation cannot be fulfilled on Pod "p": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    );
  } finally {
    s.stop();
  }
});

test('the kubelet-style 3607 s pod-bound request gets a year with warnafter; other audiences do not', async () => {
  const s = await setup();
  try {
    const bound = { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p' }, expirationSeconds: 3607 };
    const tr = await s.request('web', tokenRequest(bound));
    const claims = unverifiedPayload(tr.status?.token ?? '') as {
      exp: number;
      'kubernetes.io': { warnafter?: number };
    };
    assert.equal(claims.exp, T0 / 1000 + 365 * 24 * 3600);
    assert.equal(claims['kubernetes.io'].warnafter, T0 / 1000 + 3607);
    assert.equal(tr.status?.expirationTimestamp, '2026-03-01T11:00:07Z', 'the reply states what was asked');
    const other = await s.request('web', tokenRequest({ ...bound, audiences: ['vault'] }));
    assert.equal((unverifiedPayload(other.status?.token ?? '') as { exp: number }).exp, T0 / 1000 + 3607);
  } finally {
    s.stop();
  }
});

test('authentication: audiences, expiry with leeway, and objects that went away or were replaced', async () => {
  const s = await setup();
  try {
    const vault = (await s.request('web', tokenRequest({ audiences: ['vault'] }))).status?.token ?? '';
    assert.deepEqual(s.authn.authenticate(vault), {
      kind: 'invalid',
      message: `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]`,
    });
    assert.equal(s.authn.authenticate(vault, ['vault', 'x']).kind, 'user');

    const plain = (await s.request('web', tokenRequest())).status?.token ?? '';
    s.advance(3600_000 + 59_000);
    assert.equal(s.authn.authenticate(plain).kind, 'user', 'within the 60 s leeway');
    s.advance(2_000);
    assert.deepEqual(s.authn.authenticate(plain), { kind: 'invalid', message: 'service account token has expired' });
    s.advance(-3661_000);

    const pod =
      (await s.request('web', tokenRequest({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p' } }))).status
        ?.token ?? '';
    assert.equal(s.authn.authenticate(pod).kind, 'user');
    // The pod is replaced by one of the same name: its token no longer authenticates.
    const replaced = obj(
      'Pod',
      { name: 'p', namespace: 'default', uid: 'pod-2' },
      { spec: { serviceAccountName: 'web' } },
    );
    const current = await s.store.get('/registry/core/pods/default/p');
    const write = await s.store.update(
      '/registry/core/pods/default/p',
      encodeObject(replaced),
      current?.modRevision ?? 0,
    );
    assert.ok(write.ok);
    await s.cache.waitFor(write.ok ? write.revision : 0);
    assert.deepEqual(s.authn.authenticate(pod), {
      kind: 'invalid',
      message: 'pod UID (pod-2) does not match claim (pod-1)',
    });
    await s.store.delete('/registry/core/pods/default/p');
    await s.cache.waitFor(await s.store.currentRevision());
    assert.deepEqual(s.authn.authenticate(pod), {
      kind: 'invalid',
      message: 'service account token has been invalidated',
    });

    await s.store.delete('/registry/core/serviceaccounts/default/web');
    await s.cache.waitFor(await s.store.currentRevision());
    assert.deepEqual(s.authn.authenticate(plain), { kind: 'invalid', message: 'serviceaccounts "web" not found' });
    assert.deepEqual(s.authn.authenticate('admin-secret'), { kind: 'unknown' });
  } finally {
    s.stop();
  }
});

test('legacy tokens: valid while their Secret holds them and the ServiceAccount uid matches', async () => {
  const s = await setup();
  try {
    const key = await s.config.loadKey();
    const token = await signJwt(
      key,
      legacyTokenClaims({ namespace: 'default', serviceAccount: { name: 'web', uid: 'sa-1' }, secretName: 'tok' }),
    );
    assert.deepEqual(s.authn.authenticate(token), { kind: 'invalid', message: 'Token has been invalidated' });
    const secret = (data: Record<string, string>) =>
      encodeObject(obj('Secret', { name: 'tok', namespace: 'default', uid: 'tok-1' }, { data }));
    const w = await s.store.create(
      '/registry/core/secrets/default/tok',
      secret({ token: Buffer.from('x').toString('base64') }),
    );
    await s.cache.waitFor(w.ok ? w.revision : 0);
    assert.deepEqual(s.authn.authenticate(token), { kind: 'invalid', message: "Token does not match server's copy" });
    const u = await s.store.update(
      '/registry/core/secrets/default/tok',
      secret({ token: Buffer.from(token).toString('base64') }),
      w.ok ? w.revision : 0,
    );
    await s.cache.waitFor(u.ok ? u.revision : 0);
    assert.deepEqual(s.authn.authenticate(token), {
      kind: 'user',
      audiences: [ISSUER],
      user: {
        name: 'system:serviceaccount:default:web',
        uid: 'sa-1',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
      },
    });
    assert.equal(s.authn.authenticate(token, ['vault']).kind, 'invalid', 'legacy tokens carry only the API audiences');
  } finally {
    s.stop();
  }
});

test('OIDC discovery documents name the issuer and publish the signing key', async () => {
  const config = serviceAccountTokenConfig({ keyPem });
  assert.deepEqual(JSON.parse(openIdConfiguration(config, '10.0.0.1:6443')), {
    issuer: ISSUER,
    jwks_uri: 'https://10.0.0.1:6443/openid/v1/jwks',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  const jwks = JSON.parse(await jwksDocument(config)) as { keys: { kid: string; alg: string; use: string }[] };
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].kid, config.key()?.keyId);
  assert.equal(jwks.keys[0].alg, 'RS256');
});

test("several issuers and keys: the first issuer issues, all are accepted; another server's key verifies", async () => {
  const otherPem = await generateSigningKeyPem();
  const issuers = ['https://issuer.example', 'https://old-issuer.example'];
  const a = await setup({ keyPem, issuers });
  const b = await setup({ keyPem: otherPem, publicKeyPems: [keyPem], issuers: [issuers[0]] });
  const c = await setup({ keyPem: otherPem, issuers: [issuers[0]] });
  try {
    const tr = await a.request('web', tokenRequest());
    assert.deepEqual(tr.spec?.audiences, issuers, 'the API audiences default to the issuers');
    const token = tr.status?.token ?? '';
    assert.equal(unverifiedPayload(token)?.iss, issuers[0]);
    assert.equal(a.authn.authenticate(token).kind, 'user');
    // Server b signs with its own key and accepts a's through --service-account-key-file.
    assert.equal(b.authn.authenticate(token, [issuers[0]]).kind, 'user');
    // Without a's key the signature does not verify; with another issuer the token is not b's at all.
    assert.deepEqual(c.authn.authenticate(token, [issuers[0]]), {
      kind: 'invalid',
      message: 'error in cryptographic primitive',
    });
    const key = a.config.key();
    assert.ok(key);
    const old = await signJwt(key, { ...unverifiedPayload(token), iss: issuers[1] });
    assert.equal(a.authn.authenticate(old).kind, 'user', 'a second issuer is still accepted');
    assert.equal(b.authn.authenticate(old).kind, 'unknown');
    // b publishes both keys; discovery names the first issuer, and the JWKS URI when one is set.
    const jwks = JSON.parse(await jwksDocument(b.config)) as { keys: { kid: string }[] };
    assert.deepEqual(
      jwks.keys.map((k) => k.kid),
      [b.config.key()?.keyId, key.keyId],
    );
    const withUri = serviceAccountTokenConfig({ keyPem, issuers, jwksUri: 'https://issuer.example/keys' });
    assert.deepEqual(JSON.parse(openIdConfiguration(withUri, 'ignored:6443')).jwks_uri, 'https://issuer.example/keys');
    assert.equal(JSON.parse(openIdConfiguration(withUri, 'ignored:6443')).issuer, issuers[0]);
    // An issuer that is not an https URL has no discovery documents (as Kubernetes).
    assert.deepEqual(oidcDiscoveryRoutes(serviceAccountTokenConfig({ keyPem, issuers: ['api'] })), []);
    assert.equal(oidcDiscoveryRoutes(withUri).length, 4);
  } finally {
    a.stop();
    b.stop();
    c.stop();
  }
});
