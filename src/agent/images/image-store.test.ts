import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { runCommand } from '../../machinery/exec/run-command.js';
import { buildBusyboxImage } from './busybox-image.js';
import { ImageStore } from './image-store.js';

const log = pino({ level: 'silent' });
let dir = '';
let archive = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-images-'));
  archive = join(dir, 'busybox.tar');
  await buildBusyboxImage(archive);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('an OCI layout archive imports under its name and unpacks once into a usable rootfs', async () => {
  const store = new ImageStore(join(dir, 'store1'), log);
  const [img] = await store.importArchive(archive);
  assert.ok(img);
  assert.deepEqual(img.names, ['docker.io/library/busybox:latest']);
  assert.deepEqual(img.config.cmd, ['sh']);
  assert.equal((await store.resolve('busybox'))?.id, img.id);
  assert.equal(await store.resolve('nginx'), undefined);
  const [layer] = await store.layerDirs(img);
  assert.ok(layer);
  assert.equal(await readlink(join(layer, 'bin', 'sh')), 'busybox');
  assert.ok((await lstat(join(layer, 'bin', 'busybox'))).isFile(), 'busybox itself is the binary, not a link');
  assert.match(await readFile(join(layer, 'etc', 'passwd'), 'utf8'), /^root:x:0:0:/);
  assert.deepEqual(await store.layerDirs(img), [layer]);
  // The index survives a new store instance (another process).
  const again = new ImageStore(join(dir, 'store1'), log);
  assert.equal((await again.list()).length, 1);
});

test('a docker save archive imports by RepoTags, and whiteouts become overlay whiteouts', async () => {
  const work = join(dir, 'docker');
  await mkdir(join(work, 'oci'), { recursive: true });
  await runCommand('tar', ['-xf', archive, '-C', join(work, 'oci')]);
  const index = JSON.parse(await readFile(join(work, 'oci', 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  const blob = (d: string): string => join(work, 'oci', 'blobs', 'sha256', d.slice(7));
  const manifest = JSON.parse(await readFile(blob(index.manifests[0]?.digest ?? ''), 'utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  // A second layer deleting /etc/group.
  await mkdir(join(work, 'l2', 'etc'), { recursive: true });
  await writeFile(join(work, 'l2', 'etc', '.wh.group'), '');
  await mkdir(join(work, 'save', 'l1'), { recursive: true });
  await mkdir(join(work, 'save', 'l2'), { recursive: true });
  await runCommand('cp', [blob(manifest.layers[0]?.digest ?? ''), join(work, 'save', 'l1', 'layer.tar')]);
  await runCommand('tar', ['-cf', join(work, 'save', 'l2', 'layer.tar'), '-C', join(work, 'l2'), '.']);
  await runCommand('cp', [blob(manifest.config.digest), join(work, 'save', 'config.json')]);
  await writeFile(
    join(work, 'save', 'manifest.json'),
    JSON.stringify([
      { Config: 'config.json', RepoTags: ['example.com/tools:v1'], Layers: ['l1/layer.tar', 'l2/layer.tar'] },
    ]),
  );
  await runCommand('tar', ['-cf', join(work, 'save.tar'), '-C', join(work, 'save'), '.']);

  const store = new ImageStore(join(dir, 'store2'), log);
  const [img] = await store.importArchive(join(work, 'save.tar'));
  assert.ok(img);
  assert.deepEqual(img.names, ['example.com/tools:v1']);
  assert.equal(img.layers.length, 2);
  const [, top] = await store.layerDirs(img);
  assert.ok(top);
  const wh = await lstat(join(top, 'etc', 'group'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0/0 character device');
  assert.ok(await store.remove('example.com/tools:v1'));
  assert.equal((await store.list()).length, 0);
});
