import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { runCommand } from '../../machinery/exec/run-command.js';
import { buildBusyboxImage } from './busybox-image.js';
import { ImageStore } from './image-store.js';
import type { ImageRecord } from './image-types.js';
import { imageIdsInUse } from './images-in-use.js';
import { mountedLowerStacks, overlayLowerStacks } from './mounted-layers.js';

const log = pino({ level: 'silent' });
let dir = '';
/** busybox + /a.txt and busybox + /b.txt: two images sharing the busybox layer. */
const archives = { a: '', b: '' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-prune-'));
  archives.a = join(dir, 'a.tar');
  archives.b = join(dir, 'b.tar');
  await Promise.all([
    buildBusyboxImage(archives.a, { name: 'example.com/a:v1', extraLayer: { 'a.txt': 'a\n' } }),
    buildBusyboxImage(archives.b, { name: 'example.com/b:v1', extraLayer: { 'b.txt': 'b\n' } }),
  ]);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (d: string): string => d.slice(7);
const present = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );
const blob = (s: ImageStore, d: string): Promise<boolean> => present(join(s.root, 'blobs', 'sha256', hex(d)));
const layer = (s: ImageStore, d: string): Promise<boolean> => present(join(s.root, 'layers', 'sha256', hex(d)));

async function importBoth(name: string): Promise<{ store: ImageStore; a: ImageRecord; b: ImageRecord }> {
  const store = new ImageStore(join(dir, name), log);
  const [a] = await store.importArchive(archives.a);
  const [b] = await store.importArchive(archives.b);
  assert.ok(a && b);
  await store.layerDirs(a);
  await store.layerDirs(b);
  return { store, a, b };
}

test('removing an image deletes its own content; layers shared with another image stay until that one goes too', async () => {
  const { store, a, b } = await importBoth('shared');
  const [base, extraA] = a.layers;
  const [baseB, extraB] = b.layers;
  assert.ok(base && extraA && extraB);
  assert.equal(base, baseB, 'both images share the busybox layer');

  const r = await store.remove('example.com/a:v1');
  assert.ok(r);
  assert.deepEqual(new Set(r.blobs), new Set([a.manifestDigest, a.id, extraA]));
  assert.deepEqual(r.layers, [extraA]);
  assert.ok(r.bytes > 0);
  assert.equal(await blob(store, extraA), false);
  assert.equal(await layer(store, extraA), false);
  assert.equal(await blob(store, a.id), false);
  assert.equal(await blob(store, a.manifestDigest), false);
  for (const d of [base, extraB, b.id, b.manifestDigest]) assert.ok(await blob(store, d), `blob ${d} of b stays`);
  assert.ok((await layer(store, base)) && (await layer(store, extraB)));
  assert.equal((await store.resolve('example.com/b:v1'))?.id, b.id);

  const r2 = await store.remove('example.com/b:v1');
  assert.ok(r2?.layers.includes(base));
  assert.deepEqual(await readdir(join(store.root, 'blobs', 'sha256')), []);
  assert.deepEqual(await readdir(join(store.root, 'layers', 'sha256')), []);
  assert.equal(await store.remove('example.com/b:v1'), undefined, 'a second remove finds nothing');
  // Re-importing after the prune unpacks again (the unpack cache forgot the deleted layers).
  const [again] = await store.importArchive(archives.b);
  assert.ok(again);
  const dirs = await store.layerDirs(again);
  assert.ok(await present(join(dirs[1] ?? '', 'b.txt')));
});

test('a layer under a mounted overlay (a live container) stays with its blob; it goes once unmounted', async () => {
  const { store, a } = await importBoth('mounted');
  await store.remove('example.com/b:v1');
  const dirs = await store.layerDirs(a);
  const c = join(dir, 'container');
  await Promise.all(['rootfs', 'upper', 'work'].map((d) => mkdir(join(c, d), { recursive: true })));
  await runCommand('mount', [
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${[...dirs].reverse().join(':')},upperdir=${join(c, 'upper')},workdir=${join(c, 'work')}`,
    join(c, 'rootfs'),
  ]);
  try {
    assert.ok(await present(join(c, 'rootfs', 'a.txt')));
    const stacks = await mountedLowerStacks();
    assert.deepEqual(
      imageIdsInUse(await store.list(), store.root, stacks),
      new Set([a.id]),
      'the image of the mounted stack is in use',
    );
    const r = await store.remove('example.com/a:v1');
    assert.ok(r);
    assert.deepEqual(new Set(r.kept), new Set(a.layers));
    assert.deepEqual(r.layers, []);
    for (const d of a.layers) assert.ok((await blob(store, d)) && (await layer(store, d)), `layer ${d} in use stays`);
    assert.equal(await blob(store, a.id), false, 'the config blob goes');
    assert.ok(await present(join(c, 'rootfs', 'bin', 'busybox')), 'the container still sees its rootfs');
    // A sweep while still mounted keeps them too.
    assert.equal((await store.pruneOrphans({ orphanMinAgeMs: 0 })).layers.length, 0);
  } finally {
    await runCommand('umount', [join(c, 'rootfs')]);
  }
  // Unmounted: the orphan sweep takes them, but only once older than the orphan age (default 10 min).
  assert.equal((await store.pruneOrphans()).layers.length, 0);
  const swept = await store.pruneOrphans({ orphanMinAgeMs: 0 });
  assert.deepEqual(new Set(swept.layers), new Set(a.layers));
  assert.deepEqual(await readdir(join(store.root, 'layers', 'sha256')), []);
});

test('pulls in flight are safe: held digests and fresh unrecorded blobs survive removes and sweeps', async () => {
  const { store, a, b } = await importBoth('inflight');
  const base = a.layers[0] ?? '';
  // A pull that found the base layer already stored and will record an image using it later.
  const release = store.hold([base]);
  // Another process (`flotilla images import`) has moved a blob in but not yet written its record.
  const foreign = `sha256:${'f'.repeat(64)}`;
  await writeFile(join(store.root, 'blobs', 'sha256', hex(foreign)), 'x');
  await store.remove('example.com/a:v1');
  const r = await store.remove('example.com/b:v1');
  assert.ok(r?.kept.includes(base));
  assert.ok((await blob(store, base)) && (await layer(store, base)), 'the held base layer stays');
  assert.equal(await blob(store, b.layers[1] ?? ''), false, 'the rest of b goes');
  assert.equal((await store.pruneOrphans()).blobs.length, 0, 'a fresh unrecorded blob is not swept');
  assert.ok(await blob(store, foreign));
  release();
  release(); // a second release is harmless
  const swept = await store.pruneOrphans({ orphanMinAgeMs: 0 });
  assert.deepEqual(new Set(swept.blobs), new Set([base, foreign]));
});

test('an import running beside a remove keeps the layers both images share', async () => {
  const store = new ImageStore(join(dir, 'race'), log);
  const [b] = await store.importArchive(archives.b);
  assert.ok(b);
  const [, [a]] = await Promise.all([store.remove('example.com/b:v1'), store.importArchive(archives.a)]);
  assert.ok(a);
  for (const d of [...a.layers, a.id, a.manifestDigest])
    assert.ok(await blob(store, d), `blob ${d} of the imported image present`);
  const dirs = await store.layerDirs(a);
  assert.ok(await present(join(dirs[1] ?? '', 'a.txt')));
});

test('another process removing an image is seen by a running store', async () => {
  const store = new ImageStore(join(dir, 'two'), log);
  await store.importArchive(archives.a);
  const cli = new ImageStore(join(dir, 'two'), log);
  assert.ok(await cli.remove('example.com/a:v1'));
  assert.equal(await store.resolve('example.com/a:v1'), undefined);
});

test('last use is recorded by layerDirs and written to the index with the next write', async () => {
  let now = Date.parse('2026-11-28T10:00:00Z');
  const store = new ImageStore(join(dir, 'used'), log, { now: () => now });
  const [a] = await store.importArchive(archives.a);
  assert.ok(a);
  assert.equal(store.lastUsed(a), now, 'never used: its import time');
  now += 60_000;
  await store.layerDirs(a);
  assert.equal(store.lastUsed(a), now);
  await store.flushUsage();
  const other = new ImageStore(join(dir, 'used'), log);
  const [fromDisk] = await other.list();
  assert.equal(fromDisk?.lastUsedAt, new Date(now).toISOString());
});

test('overlay lowerdirs are parsed from mountinfo, escapes decoded', () => {
  const info = [
    '45 27 0:39 / /x/rootfs rw,relatime - overlay overlay rw,lowerdir=/d/layers/sha256/bb:/d/layers/sha256/aa,upperdir=/x/upper,workdir=/x/work,uuid=on',
    '70 27 0:53 / /t/m rw,relatime - overlay overlay rw,lowerdir=/t/l2:/t/l\\0401:/t/a\\:b,upperdir=/t/u,workdir=/t/w',
    '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  ].join('\n');
  assert.deepEqual(overlayLowerStacks(info), [
    ['/d/layers/sha256/bb', '/d/layers/sha256/aa'],
    ['/t/l2', '/t/l 1', '/t/a:b'],
  ]);
});
