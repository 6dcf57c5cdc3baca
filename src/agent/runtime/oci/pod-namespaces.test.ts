import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../../../machinery/exec/run-command.js';
import { ensurePrivateMount, isMountedFromOtherDevice, unmount } from './mounts.js';
import {
  namespaceFileUid,
  pinnedNamespaceFiles,
  pinPodNamespaces,
  podNamespacePaths,
  releasePodNamespaces,
} from './pod-namespaces.js';

// Real namespaces (runs as root, like the runtime's integration tests); everything is removed at the end.
test('pinned pod namespaces: host name set, lo up (no CNI loopback plugin), seen as mounted; released cleanly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-podns-'));
  try {
    await ensurePrivateMount(dir);
    const ns = await pinPodNamespaces(dir, 'uid-1', 'web-7f9c');
    for (const f of [ns.net, ns.ipc, ns.uts]) assert.equal(await isMountedFromOtherDevice(f), true, f);
    assert.equal(await isMountedFromOtherDevice(podNamespacePaths(dir, 'uid-2').net), false);
    const inside = await runCommand('nsenter', [
      `--net=${ns.net}`,
      `--uts=${ns.uts}`,
      'sh',
      '-c',
      'hostname; ip -o link show lo',
    ]);
    const [hostname, lo] = inside.stdout.split('\n');
    assert.equal(hostname, 'web-7f9c');
    assert.match(lo ?? '', /<LOOPBACK,UP,LOWER_UP>/);
    await releasePodNamespaces(dir, 'uid-1');
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await releasePodNamespaces(dir, 'uid-1');
    await unmount(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

test('host namespaces: hostNetwork pins only IPC (no network, no host name), hostNetwork + hostIPC pins nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-podns-'));
  try {
    await ensurePrivateMount(dir);
    assert.deepEqual(pinnedNamespaceFiles(dir, 'u', { network: true }), [join(dir, 'u-ipc')]);
    assert.deepEqual(pinnedNamespaceFiles(dir, 'u', { ipc: true }), [join(dir, 'u-net'), join(dir, 'u-uts')]);
    const ns = await pinPodNamespaces(dir, 'uid-h', 'ignored', { network: true });
    assert.equal(await isMountedFromOtherDevice(ns.ipc), true);
    assert.deepEqual(await readdir(dir), ['uid-h-ipc']);
    assert.equal(namespaceFileUid('uid-h-ipc'), 'uid-h');
    assert.equal(namespaceFileUid('other'), undefined);
    await pinPodNamespaces(dir, 'uid-n', 'ignored', { network: true, ipc: true });
    assert.deepEqual(await readdir(dir), ['uid-h-ipc']);
    await releasePodNamespaces(dir, 'uid-h');
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await releasePodNamespaces(dir, 'uid-h');
    await unmount(dir);
    await rm(dir, { recursive: true, force: true });
  }
});
