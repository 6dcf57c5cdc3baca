/**
 * Registry pulls end to end: real `docker-registry` processes on 127.0.0.1 (one open, one with
 * htpasswd auth), the busybox test image pushed there, a real server and an in-process agent with
 * its own bridge and pod CIDR. Pods are applied with the real kubectl and bound by the test.
 * Only 127.0.0.1 traffic: the mirrored registry name is 127.0.0.1:1 (nothing listens there).
 * Runs as root.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ContainerStateWaiting, Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import type { RunningAgent } from '../src/agent/agent.js';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import type { KubeClient } from '../src/machinery/client/index.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { startTestRegistry, type PushedImage, type TestRegistry } from './helpers/registry.js';
import { EVENTS } from '../src/machinery/resources/well-known.js';
import { until } from './helpers/wait-until.js';

const suffix = Math.floor(Math.random() * 0xffff).toString(16);
const USER = { username: 'puller', password: `pw-${suffix}` };
/** The registry name the mirror serves: nothing listens at 127.0.0.1:1, so only the mirror can answer. */
const MIRRORED = '127.0.0.1:1';
let node: RealNode | undefined;
let server: TestServer;
let client: KubeClient;
let agent: RunningAgent | undefined;
let open: TestRegistry | undefined;
let locked: TestRegistry | undefined;
let pushed: PushedImage;

before(async () => {
  [open, locked] = await Promise.all([startTestRegistry(), startTestRegistry({ auth: USER })]);
  pushed = await open.push('test/hello', 'v1', { gzip: true, index: true });
  await locked.push('private/app', 'v1');
  const mirror = open.url;
  node = await startRealNode({
    name: 'registry-test',
    busybox: false,
    agent: { proxy: false, networkPolicy: false },
    prepareDataDir: (dir) =>
      writeFile(join(dir, 'registries.yaml'), `mirrors:\n  "${MIRRORED}":\n    endpoint:\n      - "${mirror}"\n`),
  });
  ({ server, admin: client, agent } = node);
});

after(async () => {
  await node?.stop();
  await open?.stop();
  await locked?.stop();
});

function podManifest(name: string, image: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      schedulerName: 'manual-test',
      terminationGracePeriodSeconds: 1,
      ...extra,
      containers: [{ name: 'main', image, command: ['sh', '-c', 'echo started; exec sleep 3600'] }],
    },
  });
}

async function applyAndBind(name: string, image: string, extra: Record<string, unknown> = {}): Promise<void> {
  const applied = await server.kubectl(['apply', '-f', '-'], { stdin: podManifest(name, image, extra) });
  assert.equal(applied.code, 0, applied.stderr);
  await node?.bind(name);
}

const waitForPod = (name: string, ok: (p: PodObject) => boolean, timeoutMs = 60_000): Promise<PodObject> =>
  (node as RealNode).waitForPod(name, ok, timeoutMs);

const waiting = (p: PodObject): ContainerStateWaiting | undefined => p.status?.containerStatuses?.[0]?.state?.waiting;
const running = (p: PodObject): boolean =>
  p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.state?.running;

/** `Reason: message` of the pod's events, oldest first (they are written best effort: polled briefly). */
async function podEvents(name: string, expect: RegExp): Promise<string[]> {
  let lines: string[] = [];
  await until(`an event of ${name} matching ${expect}`, async () => {
    const list = await client.list<KubeObject & Event>(EVENTS, 'default');
    lines = list.items.filter((e) => e.involvedObject.name === name).map((e) => `${e.reason}: ${e.message}`);
    return lines.some((l) => expect.test(l));
  }).catch(() => undefined); // the caller's assertion shows the events there are
  return lines;
}

async function deletePod(name: string): Promise<void> {
  const deleted = await server.kubectl(['delete', 'pod', name, '--timeout=60s']);
  assert.equal(deleted.code, 0, deleted.stderr);
}

test('a pod runs an image pulled from a registry (image index, gzip layers) with Pulling/Pulled events; a second pod finds it present', async () => {
  const image = `${open?.host}/test/hello:v1`;
  const t0 = performance.now();
  const ready = waitForPod('pulled', running);
  await applyAndBind('pulled', image);
  const pod = await ready;
  process.stdout.write(`# bind -> Running with a pull from 127.0.0.1: ${(performance.now() - t0).toFixed(0)} ms\n`);
  const st = pod.status?.containerStatuses?.[0];
  assert.equal(st?.image, image);
  const stored = await agent?.images.resolve(image);
  assert.equal(stored?.source, 'pull');
  assert.equal(stored?.manifestDigest, pushed.manifestDigest, 'the linux/amd64 manifest of the index');
  assert.equal(stored?.size, pushed.size);
  assert.equal(st?.imageID, stored?.id);

  const events = await podEvents('pulled', /^Pulled: /);
  assert.ok(events.includes(`Pulling: Pulling image "${image}"`), events.join('\n'));
  const pulledEvent = events.find((e) => e.startsWith('Pulled: '));
  assert.match(
    pulledEvent ?? '',
    new RegExp(
      `^Pulled: Successfully pulled image "${image.replace(/[.]/g, '\\.')}" in \\d+\\.\\d{3}s\\. Image size: ${pushed.size} bytes\\.$`,
    ),
  );
  assert.match(open?.log() ?? '', /GET \/v2\/test\/hello\/blobs\/sha256:[0-9a-f]{64} 200/);

  // Tag v1: IfNotPresent, so the second pod asks no registry.
  const manifestGets = (): number =>
    (open?.log() ?? '').split('\n').filter((l) => l.startsWith('GET /v2/test/hello/manifests/')).length;
  const before = manifestGets();
  const again = waitForPod('again', running);
  await applyAndBind('again', image);
  await again;
  assert.equal(manifestGets(), before);
  const againEvents = await podEvents('again', /already present/);
  assert.ok(
    againEvents.includes(`Pulled: Container image "${image}" already present on machine`),
    againEvents.join('\n'),
  );
  await Promise.all([deletePod('pulled'), deletePod('again')]);
});

test('a private registry: without imagePullSecrets ErrImagePull then ImagePullBackOff with the 401; with a dockerconfigjson secret the pod runs', async () => {
  const image = `${locked?.host}/private/app:v1`;
  const errPull = waitForPod('no-secret', (p) => waiting(p)?.reason === 'ErrImagePull');
  const backOff = waitForPod('no-secret', (p) => waiting(p)?.reason === 'ImagePullBackOff');
  await applyAndBind('no-secret', image);
  const failed = await errPull;
  assert.match(waiting(failed)?.message ?? '', /401 Unauthorized/);
  assert.equal(failed.status?.phase, 'Pending');
  const backingOff = await backOff;
  assert.match(
    waiting(backingOff)?.message ?? '',
    new RegExp(`^Back-off pulling image "${image.replace(/[.]/g, '\\.')}": ErrImagePull: .*401 Unauthorized`),
  );
  const events = await podEvents('no-secret', /^BackOff: /);
  assert.ok(
    events.some((e) => e.startsWith(`Failed: Failed to pull image "${image}": `) && e.includes('401 Unauthorized')),
    events.join('\n'),
  );
  assert.ok(events.includes('Failed: Error: ErrImagePull'), events.join('\n'));

  const secret = await server.kubectl([
    'create',
    'secret',
    'docker-registry',
    'regcred',
    `--docker-server=${locked?.host}`,
    `--docker-username=${USER.username}`,
    `--docker-password=${USER.password}`,
  ]);
  assert.equal(secret.code, 0, secret.stderr);
  const ok = waitForPod('with-secret', running);
  await applyAndBind('with-secret', image, { imagePullSecrets: [{ name: 'regcred' }] });
  await ok;
  assert.match(locked?.log() ?? '', /GET \/v2\/private\/app\/manifests\/v1 200/);
  await Promise.all([deletePod('no-secret'), deletePod('with-secret')]);
});

test('a registries.yaml mirror serves a name under another registry host; Never with an absent image waits as ErrImageNeverPull', async () => {
  const image = `${MIRRORED}/test/hello:latest-mirrored`;
  await open?.push('test/hello', 'latest-mirrored');
  const ok = waitForPod('mirrored', running);
  await applyAndBind('mirrored', image);
  await ok;
  assert.match(open?.log() ?? '', /GET \/v2\/test\/hello\/manifests\/latest-mirrored 200/);
  assert.equal((await agent?.images.resolve(image))?.source, 'pull');

  const never = waitForPod('never', (p) => waiting(p)?.reason === 'ErrImageNeverPull');
  const applied = await server.kubectl(['apply', '-f', '-'], {
    stdin: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'never', namespace: 'default' },
      spec: {
        schedulerName: 'manual-test',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: `${open?.host}/test/absent:v1`, imagePullPolicy: 'Never' }],
      },
    }),
  });
  assert.equal(applied.code, 0, applied.stderr);
  await node?.bind('never');
  const p = await never;
  assert.equal(
    waiting(p)?.message,
    `Container image "${open?.host}/test/absent:v1" is not present with pull policy of Never`,
  );
  assert.doesNotMatch(open?.log() ?? '', /test\/absent/);
  await Promise.all([deletePod('mirrored'), deletePod('never')]);
});
