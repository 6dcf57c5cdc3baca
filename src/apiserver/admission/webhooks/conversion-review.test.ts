import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../api/object.js';
import type { WatchCache } from '../../watch-cache.js';
import { CallFailed, type postJson } from './call-webhook.js';
import { ConversionFailed, convertThroughWebhook } from './conversion-review.js';

const widget = (name: string, apiVersion = 'example.com/v1'): KubeObject =>
  ({
    apiVersion,
    kind: 'Widget',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { a: 'b' }, resourceVersion: '7' },
    spec: { size: 'small' },
  }) as KubeObject;

const noCache = {} as WatchCache;

/** A fake webhook converting v1 -> v2 by moving spec.size to spec.dimensions.size; `tamper` spoils the reply. */
function webhook(tamper: (out: Record<string, unknown>[], response: Record<string, unknown>) => void = () => {}) {
  const sent: unknown[] = [];
  const post: typeof postJson = async (_target, body) => {
    const req = (body as { request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] } }).request;
    sent.push(req);
    const out = req.objects.map((o) => ({
      ...o,
      apiVersion: req.desiredAPIVersion,
      metadata: { ...o.metadata, labels: { ...o.metadata.labels, converted: 'yes' }, resourceVersion: '999' },
      spec: { dimensions: { size: (o as unknown as { spec: { size: string } }).spec.size } },
    })) as unknown as Record<string, unknown>[];
    const response: Record<string, unknown> = { uid: req.uid, convertedObjects: out, result: { status: 'Success' } };
    tamper(out, response);
    return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response };
  };
  return { post, sent };
}

test('objects go to the webhook in one review; labels it sets are kept, other metadata restored', async () => {
  const { post, sent } = webhook();
  const objects = [widget('a'), widget('b', 'example.com/v2'), widget('c')];
  const out = await convertThroughWebhook(
    { clientConfig: { url: 'https://127.0.0.1:9/convert' }, cache: noCache, post },
    objects,
    'example.com/v2',
  );
  assert.equal(sent.length, 1);
  assert.equal((sent[0] as { objects: unknown[] }).objects.length, 2, 'the object already in v2 is not sent');
  assert.deepEqual(
    out.map((o) => o.metadata.name),
    ['a', 'b', 'c'],
  );
  assert.equal(out[0]?.apiVersion, 'example.com/v2');
  assert.deepEqual((out[0] as unknown as { spec: unknown }).spec, { dimensions: { size: 'small' } });
  assert.equal(out[0]?.metadata.labels?.converted, 'yes');
  assert.equal(out[0]?.metadata.resourceVersion, '7', 'metadata other than labels/annotations comes from the original');
  assert.equal(out[1], objects[1]);
});

test('bad replies fail with the messages Kubernetes gives', async () => {
  const cases: [string, (out: Record<string, unknown>[], r: Record<string, unknown>) => void, RegExp][] = [
    [
      'uid',
      (_o, r) => (r.uid = 'x'),
      /conversion webhook for example\.com\/v1, Kind=Widget failed: expected response\.uid="[^"]+", got "x"/,
    ],
    ['failure', (_o, r) => (r.result = { status: 'Failure', message: 'cannot convert' }), /failed: cannot convert$/],
    ['count', (o) => o.pop(), /returned 0 objects, expected 1/],
    [
      'version',
      (o) => ((o[0] as { apiVersion: string }).apiVersion = 'example.com/v3'),
      /invalid converted object at index 0: invalid groupVersion \(expected example\.com\/v2, received example\.com\/v3\)/,
    ],
    [
      'name',
      (o) => ((o[0] as { metadata: { name: string } }).metadata.name = 'other'),
      /must have the same name: a != other/,
    ],
    [
      'label',
      (o) => ((o[0] as { metadata: { labels: Record<string, string> } }).metadata.labels = { 'bad key': 'x' }),
      /returned invalid metadata in object at index 0: metadata\.labels: Invalid value: "bad key"/,
    ],
  ];
  for (const [what, tamper, expected] of cases) {
    const { post } = webhook(tamper);
    await assert.rejects(
      convertThroughWebhook(
        { clientConfig: { url: 'https://127.0.0.1:9/' }, cache: noCache, post },
        [widget('a')],
        'example.com/v2',
      ),
      (err: Error) => {
        assert.ok(err instanceof ConversionFailed, what);
        assert.match(err.message, expected, what);
        return true;
      },
    );
  }
  const failing: typeof postJson = async () => {
    throw new CallFailed('Post "https://127.0.0.1:9/?timeout=30s": dial tcp 127.0.0.1:9: connect: connection refused');
  };
  await assert.rejects(
    convertThroughWebhook(
      { clientConfig: { url: 'https://127.0.0.1:9/' }, cache: noCache, post: failing },
      [widget('a')],
      'example.com/v2',
    ),
    /conversion webhook for example\.com\/v1, Kind=Widget failed: Post .*connection refused/,
  );
});

test('the review version is the first of the CRD conversionReviewVersions this server knows', async () => {
  const seen: string[] = [];
  const post: typeof postJson = async (_target, body) => {
    const review = body as {
      apiVersion: string;
      request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] };
    };
    seen.push(review.apiVersion);
    const convertedObjects = review.request.objects.map((o) => ({
      ...o,
      apiVersion: review.request.desiredAPIVersion,
    }));
    return {
      apiVersion: review.apiVersion,
      kind: 'ConversionReview',
      response: { uid: review.request.uid, convertedObjects, result: { status: 'Success' } },
    };
  };
  const hook = (versions: string[]) => ({
    clientConfig: { url: 'https://127.0.0.1:9/convert' },
    conversionReviewVersions: versions,
    cache: noCache,
    post,
  });
  await convertThroughWebhook(hook(['v2', 'v1beta1', 'v1']), [widget('a')], 'example.com/v2');
  await convertThroughWebhook(hook(['v1', 'v1beta1']), [widget('a')], 'example.com/v2');
  assert.deepEqual(seen, ['apiextensions.k8s.io/v1beta1', 'apiextensions.k8s.io/v1']);
  await assert.rejects(
    convertThroughWebhook(hook(['v3']), [widget('a')], 'example.com/v2'),
    (e: unknown) =>
      e instanceof ConversionFailed &&
      e.message ===
        'conversion webhook for example.com/v1, Kind=Widget failed: webhook does not accept known ConversionReview versions (v1, v1beta1)',
  );
});
