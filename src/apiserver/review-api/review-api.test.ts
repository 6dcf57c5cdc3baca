import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import { alwaysAllowAuthorizer } from '../authz/always-allow.js';
import { RbacAuthorizer } from '../authz/rbac/rbac-authorizer.js';
import { staticRbacLister } from '../authz/rbac/rbac-lister.js';
import { parseRequestInfo, type ResourceRequest } from '../request-info.js';
import { ReviewApi } from './review-api.js';

const RBAC = 'rbac.authorization.k8s.io';
const rbac = new RbacAuthorizer(
  staticRbacLister({
    clusterRoles: [
      { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    ],
    roleBindings: [
      {
        metadata: { name: 'r', namespace: 'dev' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'pod-reader' },
        subjects: [{ kind: 'Group', apiGroup: RBAC, name: 'devs' }],
      },
    ],
  }),
);
const api = new ReviewApi({ authorizer: rbac, ruleResolver: rbac });
const carol = { name: 'carol', groups: ['devs', 'system:authenticated'] };

async function post(
  path: string,
  body: unknown,
  user = carol,
  reviews = api,
): Promise<{ code: number; body: Reviewed }> {
  const req = Readable.from([Buffer.from(JSON.stringify(body))]) as unknown as IncomingMessage;
  req.headers = { 'content-type': 'application/json' };
  req.method = 'POST';
  let code = 0;
  let text = '';
  const res = {
    writeHead: (c: number) => {
      code = c;
    },
    end: (t: string) => {
      text = t;
    },
  } as unknown as ServerResponse;
  await reviews.serve(parseRequestInfo('POST', path) as ResourceRequest, req, res, user);
  return { code, body: JSON.parse(text) };
}

interface Reviewed {
  kind: string;
  apiVersion: string;
  status: { allowed?: boolean; reason?: string } & Record<string, unknown>;
}

const ssar = (resourceAttributes: object) => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SelfSubjectAccessReview',
  spec: { resourceAttributes },
});

test('SelfSubjectAccessReview answers for the requester', async () => {
  const yes = await post(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    ssar({ namespace: 'dev', verb: 'get', resource: 'pods' }),
  );
  assert.equal(yes.code, 201);
  assert.equal(yes.body.kind, 'SelfSubjectAccessReview');
  assert.equal(yes.body.status.allowed, true);
  assert.match(yes.body.status.reason ?? '', /RBAC: allowed by RoleBinding "r\/dev"/);
  const no = await post(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    ssar({ namespace: 'prod', verb: 'get', resource: 'pods' }),
  );
  assert.deepEqual(no.body.status, { allowed: false });
});

test('SubjectAccessReview and LocalSubjectAccessReview ask about the spec user', async () => {
  const sar = await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: 'x', groups: ['devs'], resourceAttributes: { namespace: 'dev', verb: 'get', resource: 'pods' } },
  });
  assert.equal(sar.body.status.allowed, true);
  const local = await post('/apis/authorization.k8s.io/v1/namespaces/dev/localsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'LocalSubjectAccessReview',
    spec: { user: 'x', resourceAttributes: { namespace: 'dev', verb: 'get', resource: 'pods' } },
  });
  assert.equal(local.body.status.allowed, false);
  await assert.rejects(
    post('/apis/authorization.k8s.io/v1/namespaces/dev/localsubjectaccessreviews', {
      spec: { user: 'x', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } },
    }),
    (e: unknown) => e instanceof ApiError && e.code === 422 && /must match metadata.namespace/.test(e.message),
  );
  await assert.rejects(
    post('/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec: { user: 'x' } }),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 422 &&
      /exactly one of nonResourceAttributes or resourceAttributes/.test(e.message),
  );
});

test('SelfSubjectRulesReview lists the rules in a namespace; needs one', async () => {
  const r = await post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    spec: { namespace: 'dev' },
  });
  assert.deepEqual(r.body.status, {
    resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    nonResourceRules: [],
    incomplete: false,
  });
  await assert.rejects(
    post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: {} }),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('SelfSubjectReview (every served version) returns the user; AlwaysAllow says yes to everything', async () => {
  for (const v of ['v1', 'v1beta1', 'v1alpha1']) {
    const r = await post(`/apis/authentication.k8s.io/${v}/selfsubjectreviews`, {
      apiVersion: `authentication.k8s.io/${v}`,
      kind: 'SelfSubjectReview',
    });
    assert.equal(r.body.apiVersion, `authentication.k8s.io/${v}`);
    assert.deepEqual(r.body.status, { userInfo: { username: 'carol', groups: ['devs', 'system:authenticated'] } });
  }
  const all = alwaysAllowAuthorizer();
  const open = new ReviewApi({ authorizer: all, ruleResolver: all });
  const yes = await post(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    ssar({ verb: 'delete', resource: 'nodes' }),
    carol,
    open,
  );
  assert.equal(yes.body.status.allowed, true);
});

test('only create is served; unknown review resources are 404', async () => {
  await assert.rejects(
    api.serve(
      parseRequestInfo('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') as ResourceRequest,
      {} as IncomingMessage,
      {} as ServerResponse,
      carol,
    ),
    (e: unknown) => e instanceof ApiError && e.code === 405,
  );
  await assert.rejects(
    api.serve(
      parseRequestInfo('POST', '/apis/authorization.k8s.io/v1/widgets') as ResourceRequest,
      {} as IncomingMessage,
      {} as ServerResponse,
      carol,
    ),
    (e: unknown) => e instanceof ApiError && e.code === 404,
  );
});

test('TokenReview: authenticated users with their audiences, Kubernetes error texts otherwise', async () => {
  const reviews = new ReviewApi({
    authorizer: rbac,
    ruleResolver: rbac,
    authenticateToken: (token, audiences) => {
      if (token === 'good')
        return {
          kind: 'user',
          user: { name: 'system:serviceaccount:dev:web', uid: 'u1', groups: ['system:serviceaccounts'] },
          audiences: [...(audiences ?? ['api'])],
        };
      if (token === 'old') return { kind: 'invalid', message: 'service account token has expired' };
      return { kind: 'unknown' };
    },
  });
  const review = (spec: object) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec });
  const path = '/apis/authentication.k8s.io/v1/tokenreviews';
  const ok = await post(path, review({ token: 'good', audiences: ['vault'] }), carol, reviews);
  assert.equal(ok.code, 201);
  assert.deepEqual(ok.body.status, {
    authenticated: true,
    user: { extra: {}, username: 'system:serviceaccount:dev:web', uid: 'u1', groups: ['system:serviceaccounts'] },
    audiences: ['vault'],
  });
  assert.deepEqual((await post(path, review({ token: 'old' }), carol, reviews)).body.status, {
    user: {},
    error: '[invalid bearer token, service account token has expired]',
  });
  assert.deepEqual((await post(path, review({ token: 'x' }), carol, reviews)).body.status, {
    user: {},
    error: 'invalid bearer token',
  });
  await assert.rejects(
    post(path, review({}), carol, reviews),
    (e: unknown) =>
      e instanceof ApiError && e.code === 400 && e.message === 'token is required for TokenReview in authentication',
  );
});
