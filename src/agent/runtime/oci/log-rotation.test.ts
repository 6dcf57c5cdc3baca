import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pruneRotated, rotateIfFull, rotationSuffix } from './log-rotation.js';

const limits = { maxBytes: 100, maxFiles: 3 };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'log-rotation-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the suffix sorts in time order', () => {
  assert.equal(rotationSuffix(new Date('2026-12-08T02:35:12.345Z')), '20261208-023512.345');
  assert.ok(rotationSuffix(new Date('2026-12-08T02:35:12.999Z')) < rotationSuffix(new Date('2026-12-08T02:35:13Z')));
});

test('a full log is renamed, conmon is told to reopen, and old files beyond the limit go', async () => {
  await withDir(async (dir) => {
    const log = join(dir, '0.log');
    const ctl = join(dir, 'ctl');
    execFileSync('mkfifo', [ctl]);
    // conmon's end of the control fifo.
    const reader = await open(ctl, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      await writeFile(log, 'x'.repeat(50));
      assert.equal(await rotateIfFull(log, ctl, limits), false, 'under the limit');
      for (let i = 0; i < 4; i++) {
        await writeFile(log, `${i}`.repeat(100));
        assert.equal(await rotateIfFull(log, ctl, limits, new Date(Date.UTC(2026, 11, 8, 0, 0, i))), true);
      }
      const buf = Buffer.alloc(64);
      const { bytesRead } = await reader.read(buf, 0, 64, null);
      assert.equal(buf.subarray(0, bytesRead).toString(), '2 0 0\n'.repeat(4));
      const names = (await readdir(dir)).filter((n) => n.startsWith('0.log.')).sort();
      // maxFiles 3: the live log (conmon makes it anew) and the two newest rotated ones.
      assert.deepEqual(names, ['0.log.20261208-000002.000', '0.log.20261208-000003.000']);
      assert.equal(await readFile(join(dir, names[1] ?? ''), 'utf8'), '3'.repeat(100));
    } finally {
      await reader.close();
    }
  });
});

test('without conmon listening the log stays in place', async () => {
  await withDir(async (dir) => {
    const log = join(dir, '0.log');
    const ctl = join(dir, 'ctl');
    execFileSync('mkfifo', [ctl]);
    await writeFile(log, 'y'.repeat(200));
    assert.equal(await rotateIfFull(log, ctl, limits), false);
    assert.equal(await readFile(log, 'utf8'), 'y'.repeat(200));
    assert.deepEqual(await readdir(dir), ['0.log', 'ctl'].sort());
  });
});

test('pruning keeps the newest and leaves other containers alone', async () => {
  await withDir(async (dir) => {
    for (const n of ['0.log.1', '0.log.2', '0.log.3', '1.log.1']) await writeFile(join(dir, n), '');
    await pruneRotated(join(dir, '0.log'), 1);
    assert.deepEqual((await readdir(dir)).sort(), ['0.log.3', '1.log.1']);
  });
});
