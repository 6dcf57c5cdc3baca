/**
 * Image GC on a real node: three images built from busybox-static (busybox, imported pinned as
 * the node's offline copy, and two imported unpinned with an extra layer on top of the same busybox
 * layer) in a real agent's store, one of them used by a running pod. With the thresholds forced to
 * 1 % / 0 % the real statfs usage counts as high: the collector removes the unused unpinned image —
 * blobs and unpacked layers no one else references — keeps the pinned busybox and the used image
 * whole, the pod keeps running, and the Node gets the kubelet's FreeDiskSpaceFailed warning
 * (0 % cannot be reached).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { buildBusyboxImage } from '../src/agent/images/busybox-image.js';
import type { ImageRecord } from '../src/agent/images/image-types.js';
import { until } from './helpers/wait-until.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { EVENTS } from '../src/machinery/resources/well-known.js';

let node: RealNode;
let work = '';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'flotilla-imggc-'));
  node = await startRealNode({
    name: 'imggc',
    agent: {
      proxy: false,
      dns: false,
      networkPolicy: false,
      imageGC: { highThresholdPercent: 1, lowThresholdPercent: 0, minAgeMs: 0, firstDelayMs: 3_600_000 },
    },
  });
});

after(async () => {
  await node?.stop();
  await rm(work, { recursive: true, force: true });
});

test('unused images are collected with their content; the running pod keeps its image and runs on', async () => {
  const store = node.agent.images;
  const gc = node.agent.imageGC;
  assert.ok(gc);
  const busybox = await store.resolve('busybox');
  assert.ok(busybox);
  const imported: ImageRecord[] = [];
  for (const name of ['used', 'unused']) {
    const file = join(work, `${name}.tar`);
    await buildBusyboxImage(file, { name: `example.com/gc-${name}:v1`, extraLayer: { [`${name}.txt`]: `${name}\n` } });
    const [img] = await store.importArchive(file, { pinned: false });
    assert.ok(img);
    await store.layerDirs(img); // unpacked, as after a pod ran from it
    imported.push(img);
  }
  const [used, unused] = imported as [ImageRecord, ImageRecord];
  assert.equal(used.layers[0], busybox.layers[0], 'the images share the busybox layer');

  await node.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'gc-user' },
      spec: {
        nodeName: node.nodeName,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'example.com/gc-used:v1', command: ['sleep', '3600'] }],
      },
    }),
  );
  await node.waitForPod('gc-user', (p) => p.status?.phase === 'Running');

  const t0 = performance.now();
  const result = await gc.run();
  const ms = performance.now() - t0;
  assert.ok(busybox.pinned, 'an import is pinned by default');
  assert.deepEqual(
    result.removed,
    [unused.id],
    'the unused unpinned image goes; the used one and the pinned busybox stay',
  );
  assert.ok(result.bytesFreed > 0 && result.bytesFreed < result.bytesToFree);
  assert.deepEqual(new Set((await store.list()).map((i) => i.id)), new Set([busybox.id, used.id]));

  const blobs = new Set(await readdir(join(store.root, 'blobs', 'sha256')));
  const layers = new Set(await readdir(join(store.root, 'layers', 'sha256')));
  const hex = (d: string): string => d.slice(7);
  for (const d of [unused.id, unused.manifestDigest, unused.layers[1] ?? ''])
    assert.ok(!blobs.has(hex(d)), `blob ${d} of a removed image is gone`);
  assert.ok(!layers.has(hex(unused.layers[1] ?? '')), "the unused image's own layer dir is gone");
  assert.deepEqual(
    blobs,
    new Set([used.id, used.manifestDigest, ...used.layers, busybox.id, busybox.manifestDigest].map(hex)),
    'exactly the blobs of the used image and of busybox remain',
  );
  assert.deepEqual(
    layers,
    new Set(used.layers.map(hex)),
    "exactly the used image's unpacked layers remain (busybox's is shared)",
  );

  // The pod still runs from its rootfs, extra layer and shared busybox layer alike.
  assert.equal((await node.kubectl(['exec', 'gc-user', '--', 'cat', '/used.txt'])).trim(), 'used');
  assert.equal((await node.kubectl(['exec', 'gc-user', '--', 'sh', '-c', 'echo ok'])).trim(), 'ok');
  const pod = await node.waitForPod('gc-user', (p) => p.status?.phase === 'Running');
  assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0);

  // 0 % cannot be reached: the kubelet's warning on the Node.
  const events = await until('a FreeDiskSpaceFailed event', async () => {
    const list = await node.admin.list<Event & KubeObject>(EVENTS, 'default', {
      fieldSelector: `involvedObject.name=${node.nodeName}`,
    });
    return list.items.find((e) => e.reason === 'FreeDiskSpaceFailed');
  });
  assert.equal(events.type, 'Warning');
  assert.equal(events.involvedObject.kind, 'Node');
  assert.match(
    events.message ?? '',
    /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/,
  );

  // A second run finds nothing more to remove.
  assert.deepEqual((await gc.run()).removed, []);
  process.stdout.write(
    `# image GC run: ${Math.round(ms)} ms, freed ${result.bytesFreed} bytes (${result.removed.length} images)\n`,
  );
});

test('deleting the pod makes its image collectable', async () => {
  await node.kubectl(['delete', 'pod', 'gc-user', '--wait=true', '--timeout=30s']);
  const gc = node.agent.imageGC;
  assert.ok(gc);
  const store = node.agent.images;
  // The pod's container is removed with the pod: its overlay no longer holds the layers.
  const result = await until('the image collected once the pod is gone', async () => {
    const r = await gc.run();
    return r.removed.length ? r : undefined;
  });
  assert.equal(result.removed.length, 1);
  const busybox = await store.resolve('busybox');
  assert.ok(busybox?.pinned);
  assert.deepEqual(
    (await store.list()).map((i) => i.id),
    [busybox.id],
    'only the pinned busybox is left',
  );
  const hex = (d: string): string => d.slice(7);
  assert.deepEqual(
    new Set(await readdir(join(store.root, 'blobs', 'sha256'))),
    new Set([busybox.id, busybox.manifestDigest, ...busybox.layers].map(hex)),
  );
  assert.deepEqual(new Set(await readdir(join(store.root, 'layers', 'sha256'))), new Set(busybox.layers.map(hex)));
});
