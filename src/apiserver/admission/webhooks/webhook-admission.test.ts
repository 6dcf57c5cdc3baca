import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/object.js';
import { findResourceType } from '../../../api/resource-types.js';
import type { Webhook } from '../../../api/kinds/webhook-configuration.js';
import { openStore } from '../../../store/index.js';
import { encodeObject } from '../../rest/storage-key.js';
import { WatchCache } from '../../watch-cache.js';
import { storedFields } from '../../write-workers/stored-fields.js';
import { AdmissionChain, newAdmissionNotes, type AdmissionRequest } from '../plugin.js';
import { CallFailed, type postJson } from './call-webhook.js';
import { isExemptRequest, mutatingWebhookAdmission, validatingWebhookAdmission } from './webhook-admission.js';

const configMaps = findResourceType('', 'v1', 'configmaps');
const validating = findResourceType('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations');
if (!configMaps || !validating) throw new Error('built-in resources missing');

const hook = (name: string, extra: Partial<Webhook> = {}): Webhook => ({
  name,
  clientConfig: { url: `https://127.0.0.1:9/${name}` },
  rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }],
  sideEffects: 'None',
  failurePolicy: 'Fail',
  timeoutSeconds: 10,
  admissionReviewVersions: ['v1'],
  ...extra,
});

/** A watch cache holding one configuration of each kind with these webhooks (stored as given: no validation). */
async function cacheWith(mutating: Webhook[], validatingHooks: Webhook[]): Promise<WatchCache> {
  const store = await openStore('memory', '');
  const group = 'admissionregistration.k8s.io';
  await store.create(
    `/registry/${group}/mutatingwebhookconfigurations/m`,
    encodeObject({
      apiVersion: `${group}/v1`,
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'm' },
      webhooks: mutating,
    } as unknown as KubeObject),
  );
  await store.create(
    `/registry/${group}/validatingwebhookconfigurations/v`,
    encodeObject({
      apiVersion: `${group}/v1`,
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'v' },
      webhooks: validatingHooks,
    } as unknown as KubeObject),
  );
  const cache = new WatchCache({ store, fieldsOf: storedFields });
  await cache.start();
  return cache;
}

type Reply = (path: string, request: { uid: string; object: KubeObject | null; dryRun: boolean }) => unknown;

/** A fake HTTPS call: answers by the URL's path, records the calls. */
function fakePost(reply: Reply): { post: typeof postJson; calls: string[] } {
  const calls: string[] = [];
  const post: typeof postJson = async (target, body) => {
    const path = target.url.pathname.slice(1);
    calls.push(path);
    const request = (body as { request: { uid: string; object: KubeObject | null; dryRun: boolean } }).request;
    const response = reply(path, request);
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: request.uid, ...(response as object) },
    };
  };
  return { post, calls };
}

const patch = (ops: unknown[]) => ({
  allowed: true,
  patchType: 'JSONPatch',
  patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
});

const cm = (labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'default', labels },
});

const request = (extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  user: { name: 'alice', groups: ['system:authenticated'] },
  subresource: '',
  namespace: 'default',
  name: 'c',
  dryRun: false,
  notes: newAdmissionNotes(),
  ...extra,
});

test('mutating: JSONPatch applied; IfNeeded webhooks called again once when a later one changed the object', async () => {
  const cache = await cacheWith([hook('first.x.y', { reinvocationPolicy: 'IfNeeded' }), hook('second.x.y')], []);
  const { post, calls } = fakePost((path, req) => {
    const labels = req.object?.metadata.labels ?? {};
    if (path === 'second.x.y' && !labels.second)
      return patch([{ op: 'add', path: '/metadata/labels/second', value: 'yes' }]);
    return { allowed: true };
  });
  const plugin = mutatingWebhookAdmission({ cache, post });
  const obj = cm();
  const r = request();
  await plugin.admit('create', configMaps, obj, undefined, r);
  assert.equal(obj.metadata.labels?.second, 'yes');
  assert.deepEqual(calls, ['first.x.y', 'second.x.y', 'first.x.y']);
  assert.equal(
    r.notes.auditAnnotations['mutation.webhook.admission.k8s.io/round_0_index_1'],
    '{"configuration":"m","webhook":"second.x.y","mutated":true}',
  );
  cache.stop();
});

test('mutating: a patch that makes the object invalid is refused by validation', async () => {
  const cache = await cacheWith([hook('bad.x.y')], []);
  const { post } = fakePost(() => patch([{ op: 'add', path: '/metadata/labels/bad key', value: 'x' }]));
  const plugin = mutatingWebhookAdmission({ cache, post });
  await assert.rejects(
    async () => plugin.admit('create', configMaps, cm(), undefined, request()),
    (err: ApiError) => {
      assert.equal(err.code, 422);
      assert.match(err.message, /metadata\.labels: Invalid value: "bad key"/);
      return true;
    },
  );
  cache.stop();
});

test('validating: refusal with the webhook message, warnings and audit annotations kept', async () => {
  const cache = await cacheWith([], [hook('ok.x.y'), hook('no.x.y')]);
  const { post } = fakePost((path) =>
    path === 'no.x.y'
      ? { allowed: false, status: { message: 'not today' } }
      : { allowed: true, warnings: ['careful'], auditAnnotations: { k: 'v' } },
  );
  const plugin = validatingWebhookAdmission({ cache, post });
  const r = request();
  await assert.rejects(
    async () => plugin.admit('create', configMaps, cm(), undefined, r),
    (err: ApiError) => {
      assert.equal(err.code, 403);
      assert.equal(err.reason, 'Forbidden');
      assert.equal(
        err.message,
        'configmaps "c" is forbidden: admission webhook "no.x.y" denied the request: not today',
      );
      return true;
    },
  );
  assert.deepEqual(r.notes.warnings, ['careful']);
  assert.equal(r.notes.auditAnnotations['ok.x.y/k'], 'v');
  cache.stop();
});

test('failurePolicy: Ignore goes on (annotated), Fail answers 500 with the call error', async () => {
  const cache = await cacheWith([], [hook('open.x.y', { failurePolicy: 'Ignore' }), hook('closed.x.y')]);
  const failing: typeof postJson = async (target) => {
    throw new CallFailed(`Post "${target.urlText}?timeout=10s": dial tcp 127.0.0.1:9: connect: connection refused`);
  };
  const plugin = validatingWebhookAdmission({ cache, post: failing });
  const r = request();
  await assert.rejects(
    async () => plugin.admit('create', configMaps, cm(), undefined, r),
    (err: ApiError) => {
      assert.equal(err.code, 500);
      assert.equal(
        err.message,
        'Internal error occurred: failed calling webhook "closed.x.y": failed to call webhook: Post "https://127.0.0.1:9/closed.x.y?timeout=10s": dial tcp 127.0.0.1:9: connect: connection refused',
      );
      return true;
    },
  );
  assert.equal(r.notes.auditAnnotations['failed-open.validating.webhook.admission.k8s.io/round_0_index_0'], 'open.x.y');
  cache.stop();
});

test('dry run: a webhook with side effects refuses it; one without is told it is a dry run', async () => {
  const cache = await cacheWith([], [hook('some.x.y', { sideEffects: 'Some' })]);
  const { post, calls } = fakePost(() => ({ allowed: true }));
  const plugin = validatingWebhookAdmission({ cache, post });
  await assert.rejects(
    async () => plugin.admit('create', configMaps, cm(), undefined, request({ dryRun: true })),
    (err: ApiError) => {
      assert.equal(err.code, 400);
      assert.equal(err.message, 'admission webhook "some.x.y" does not support dry run');
      return true;
    },
  );
  assert.deepEqual(calls, []);
  await plugin.admit('create', configMaps, cm(), undefined, request());
  assert.deepEqual(calls, ['some.x.y']);
  cache.stop();
});

test('exemptions: configurations, requests without a user, the control plane in kube-system', () => {
  const r = request();
  assert.equal(isExemptRequest(validating, '', r), true);
  assert.equal(isExemptRequest(configMaps, 'default', request({ user: undefined })), true);
  const kcm = request({ user: { name: 'system:kube-controller-manager', groups: [] } });
  assert.equal(isExemptRequest(configMaps, 'kube-system', kcm), true);
  assert.equal(isExemptRequest(configMaps, 'default', kcm), false);
  assert.equal(isExemptRequest(configMaps, 'kube-system', r), false, 'users still go through');
});

test('write workers: a create a webhook matches is prepared on the main thread', async () => {
  const cache = await cacheWith([], [hook('v.x.y', { namespaceSelector: { matchLabels: { a: 'b' } } })]);
  const chain = new AdmissionChain([validatingWebhookAdmission({ cache })]);
  const user = { name: 'alice', groups: [] };
  assert.equal(chain.runsInWorker(configMaps, 'create', { ...request(), user }), false);
  const secrets = findResourceType('', 'v1', 'secrets');
  if (!secrets) throw new Error('secrets missing');
  assert.equal(chain.runsInWorker(secrets, 'create', { ...request(), user }), true);
  // The worker's own chain has no cache: it never calls webhooks itself.
  assert.equal(validatingWebhookAdmission(undefined).handles(configMaps, 'create', request()), false);
  cache.stop();
});

test('matchConditions: a false condition skips the webhook; an error follows failurePolicy', async () => {
  const cache = await cacheWith(
    [],
    [
      hook('labelled.x.y', {
        matchConditions: [
          { name: 'has-team', expression: "has(object.metadata.labels) && 'team' in object.metadata.labels" },
        ],
      }),
      hook('broken.x.y', {
        failurePolicy: 'Ignore',
        matchConditions: [{ name: 'boom', expression: 'object.spec.missing == 1' }],
      }),
    ],
  );
  const { post, calls } = fakePost(() => ({ allowed: true }));
  const plugin = validatingWebhookAdmission({ cache, post });
  await plugin.admit('create', configMaps, cm(), undefined, request());
  assert.deepEqual(calls, []);
  await plugin.admit('create', configMaps, cm({ team: 'a' }), undefined, request());
  assert.deepEqual(calls, ['labelled.x.y']);
  cache.stop();
});
