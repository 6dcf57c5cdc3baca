import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requiresOwnershipChange, setVolumeOwnership } from './fs-group.js';

const mode = async (p: string): Promise<string> => ((await stat(p)).mode & 0o7777).toString(8);

// Changes ownership of files it made itself (runs as root, like the agent).
test('setVolumeOwnership: group and group bits on every file, setgid dirs; read-only volumes get group read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-fsgroup-'));
  try {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'f'), 'x', { mode: 0o600 });
    await symlink('sub/f', join(dir, 'link'));
    await chmod(dir, 0o755);
    assert.equal(await requiresOwnershipChange(dir, 2000, false), true);
    await setVolumeOwnership(dir, 2000, false, undefined);
    assert.equal((await stat(join(dir, 'sub', 'f'))).gid, 2000);
    assert.equal(await mode(join(dir, 'sub', 'f')), '660');
    assert.equal(await mode(join(dir, 'sub')), '2775');
    assert.equal(await mode(dir), '2775');
    assert.equal(await requiresOwnershipChange(dir, 2000, false), false);

    await writeFile(join(dir, 'secret'), 'x', { mode: 0o400 });
    await setVolumeOwnership(join(dir, 'secret'), 3000, true, undefined);
    assert.equal(await mode(join(dir, 'secret')), '440');
    assert.equal((await stat(join(dir, 'secret'))).gid, 3000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fsGroupChangePolicy OnRootMismatch leaves a volume whose root is already right', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-fsgroup-'));
  try {
    await writeFile(join(dir, 'f'), 'x', { mode: 0o600 });
    await chown(dir, 0, 2000);
    await chmod(dir, 0o2770);
    await setVolumeOwnership(dir, 2000, false, 'OnRootMismatch');
    assert.equal(await mode(join(dir, 'f')), '600', 'not walked');
    await setVolumeOwnership(dir, 2000, false, 'Always');
    assert.equal(await mode(join(dir, 'f')), '660');
    await setVolumeOwnership(dir, 2001, false, 'OnRootMismatch');
    assert.equal((await stat(join(dir, 'f'))).gid, 2001, 'the root group differs: walked');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
