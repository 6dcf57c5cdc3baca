import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readlink, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runCommand } from '../../../machinery/exec/run-command.js';
import { SealedBinary } from './sealed-binary.js';

test('a sealed in-memory copy of runc runs, cannot be written, and is gone after stop', async () => {
  const runc = new SealedBinary('/usr/sbin/runc');
  assert.equal(runc.path, '/usr/sbin/runc');
  assert.equal(await runc.start(), true);
  try {
    assert.match(runc.path, /^\/proc\/\d+\/fd\/\d+$/);
    assert.match(await readlink(runc.path), /^\/memfd:runc/);
    assert.match((await runCommand(runc.path, ['--version'])).stdout, /^runc version/);
    // runc skips its per-container self-copy only for these seals (seal|shrink|grow|write = 15).
    const seals = await runCommand('/usr/bin/perl', [
      '-e',
      'open(my $f, "<", $ARGV[0]) or die; print fcntl($f, 1034, 0) + 0',
      runc.path,
    ]);
    assert.equal(seals.stdout, '15');
    await assert.rejects(writeFile(runc.path, 'overwritten'), (e: NodeJS.ErrnoException) => e.code === 'EPERM');
  } finally {
    const sealed = runc.path;
    runc.stop();
    assert.equal(runc.path, '/usr/sbin/runc');
    for (let i = 0; i < 100 && existsSync(sealed); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(existsSync(sealed), false);
  }
});

test('a binary that cannot be copied leaves the original path', async () => {
  const missing = new SealedBinary('/nonexistent/runc');
  assert.equal(await missing.start(), false);
  assert.equal(missing.path, '/nonexistent/runc');
});
