import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ImageRecord } from '../images/image-types.js';
import { imagePullBackoffMs, PodImagePuller, pullPolicyOf } from './image-pull.js';

test('imagePullPolicy defaults as Kubernetes: Always for latest or no tag, IfNotPresent for other tags and digests', () => {
  assert.equal(pullPolicyOf({ name: 'a', image: 'busybox' }), 'Always');
  assert.equal(pullPolicyOf({ name: 'a', image: 'busybox:latest' }), 'Always');
  assert.equal(pullPolicyOf({ name: 'a', image: '127.0.0.1:5000/app' }), 'Always');
  assert.equal(pullPolicyOf({ name: 'a', image: '127.0.0.1:5000/app:v1' }), 'IfNotPresent');
  assert.equal(pullPolicyOf({ name: 'a', image: `app@sha256:${'a'.repeat(64)}` }), 'IfNotPresent');
  assert.equal(pullPolicyOf({ name: 'a', image: 'app:v1', imagePullPolicy: 'Always' }), 'Always');
  assert.equal(pullPolicyOf({ name: 'a', image: 'app', imagePullPolicy: 'Never' }), 'Never');
});

test('image pull back-off: 10 s doubling to 5 min', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 20].map(imagePullBackoffMs),
    [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000],
  );
});

const rec = (name: string, source?: 'pull'): ImageRecord => ({
  names: [name],
  id: `sha256:${'c'.repeat(64)}`,
  manifestDigest: '',
  layers: [],
  size: 1234,
  createdAt: '',
  config: { entrypoint: [], cmd: [], env: [], workingDir: '', user: '' },
  ...(source ? { source } : {}),
});

function setup(opts: { present?: ImageRecord; fail?: string; secret?: Record<string, unknown> }) {
  let now = 1_000_000;
  const events: string[] = [];
  const pulls: { ref: string; secrets: unknown }[] = [];
  const client = {
    get: async (_r: unknown, _ns: string, name: string) => {
      if (!opts.secret || name !== 'regcred')
        throw Object.assign(new Error('not found'), { code: 404, status: { code: 404, reason: 'NotFound' } });
      return opts.secret;
    },
  } as unknown as KubeClient;
  const puller = new PodImagePuller({
    images: { resolve: async () => opts.present, layerDirs: async () => [] },
    puller: {
      pull: async (ref, o) => {
        pulls.push({ ref, secrets: o?.secrets });
        now += 1500;
        if (opts.fail) throw new Error(opts.fail);
        return rec(ref, 'pull');
      },
    },
    client,
    log: pino({ level: 'silent' }),
    now: () => now,
    events: {
      emit: (_p, type, reason, message, container) => events.push(`${type} ${reason} ${container} ${message}`),
    },
  });
  return { puller, events, pulls, advance: (ms: number) => (now += ms) };
}

const pod = (image: string, extra: Record<string, unknown> = {}): KubeObject & Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { containers: [{ name: 'main', image, ...extra }] },
  }) as KubeObject & Pod;

test('present with IfNotPresent, or imported and Always: no pull, "already present" event', async () => {
  for (const [image, present] of [
    ['app:v1', rec('x', 'pull')],
    ['busybox', rec('x')],
  ] as const) {
    const s = setup({ present });
    const p = pod(image);
    const out = await s.puller.ensureImage(p, p.spec?.containers[0] as never);
    assert.ok('image' in out);
    assert.deepEqual(s.pulls, []);
    assert.deepEqual(s.events, [`Normal Pulled main Container image "${image}" already present on machine`]);
    assert.ok(await s.puller.localImage(p.spec?.containers[0] as never));
  }
});

test('Always on a pulled image pulls again (Pulling, Pulled with time and size); localImage is then undefined', async () => {
  const s = setup({ present: rec('x', 'pull') });
  const p = pod('127.0.0.1:5000/app');
  assert.equal(await s.puller.localImage(p.spec?.containers[0] as never), undefined);
  const out = await s.puller.ensureImage(p, p.spec?.containers[0] as never);
  assert.ok('image' in out);
  assert.deepEqual(s.events, [
    'Normal Pulling main Pulling image "127.0.0.1:5000/app"',
    'Normal Pulled main Successfully pulled image "127.0.0.1:5000/app" in 1.500s. Image size: 1234 bytes.',
  ]);
});

test('Never and absent: ErrImageNeverPull', async () => {
  const s = setup({});
  const p = pod('app:v1', { imagePullPolicy: 'Never' });
  const out = await s.puller.ensureImage(p, p.spec?.containers[0] as never);
  assert.deepEqual(out, {
    waiting: {
      reason: 'ErrImageNeverPull',
      message: 'Container image "app:v1" is not present with pull policy of Never',
    },
    retryMs: 10_000,
  });
});

test('a failing pull: ErrImagePull with the reason, ImagePullBackOff until the back-off ends, then a new try with a doubled back-off', async () => {
  const s = setup({ fail: 'unexpected status ...: 401 Unauthorized' });
  const p = pod('127.0.0.1:5000/private:v1');
  const c = p.spec?.containers[0] as never;
  assert.deepEqual(await s.puller.ensureImage(p, c), {
    waiting: { reason: 'ErrImagePull', message: 'unexpected status ...: 401 Unauthorized' },
    retryMs: 10_000,
  });
  s.advance(4000);
  const backoff = await s.puller.ensureImage(p, c);
  assert.deepEqual(backoff, {
    waiting: {
      reason: 'ImagePullBackOff',
      message:
        'Back-off pulling image "127.0.0.1:5000/private:v1": ErrImagePull: unexpected status ...: 401 Unauthorized',
    },
    retryMs: 6000,
  });
  assert.equal(s.pulls.length, 1);
  s.advance(6000);
  assert.deepEqual(await s.puller.ensureImage(p, c), {
    waiting: { reason: 'ErrImagePull', message: 'unexpected status ...: 401 Unauthorized' },
    retryMs: 20_000,
  });
  assert.equal(s.pulls.length, 2);
  assert.deepEqual(
    s.events.filter((e) => e.includes('Failed') || e.includes('BackOff')),
    [
      'Warning Failed main Failed to pull image "127.0.0.1:5000/private:v1": unexpected status ...: 401 Unauthorized',
      'Warning Failed main Error: ErrImagePull',
      'Normal BackOff main Back-off pulling image "127.0.0.1:5000/private:v1"',
      'Warning Failed main Failed to pull image "127.0.0.1:5000/private:v1": unexpected status ...: 401 Unauthorized',
      'Warning Failed main Error: ErrImagePull',
    ],
  );
});

test('imagePullSecrets: dockerconfigjson entries passed to the registry; a missing secret is an event, not a failure', async () => {
  const config = Buffer.from(
    JSON.stringify({ auths: { '127.0.0.1:5000': { username: 'u', password: 'p' } } }),
  ).toString('base64');
  const s = setup({ secret: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': config } } });
  const p = pod('127.0.0.1:5000/private:v1');
  (p.spec as { imagePullSecrets?: unknown }).imagePullSecrets = [{ name: 'regcred' }, { name: 'gone' }];
  const out = await s.puller.ensureImage(p, p.spec?.containers[0] as never);
  assert.ok('image' in out);
  assert.deepEqual(s.pulls[0]?.secrets, [{ match: '127.0.0.1:5000', username: 'u', password: 'p' }]);
  assert.ok(
    s.events.some((e) =>
      e.startsWith('Warning FailedToRetrieveImagePullSecret main Unable to retrieve some image pull secrets ("gone")'),
    ),
  );
});

test('an invalid image name waits as InvalidImageName', async () => {
  const s = setup({});
  const p = pod('Bad Name');
  const out = await s.puller.ensureImage(p, p.spec?.containers[0] as never);
  assert.ok('waiting' in out && out.waiting.reason === 'InvalidImageName');
});
