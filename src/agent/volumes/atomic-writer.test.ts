import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { validatePayloadPath, writeAtomic, type Payload } from './atomic-writer.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'flt-atomic-'));
  dirs.push(d);
  return d;
}
const file = (s: string, mode = 0o644): { data: Buffer; mode: number } => ({ data: Buffer.from(s), mode });

test('files land in a timestamped dir behind ..data, each top-level name a symlink into it', async () => {
  const d = await tmp();
  const payload: Payload = new Map([
    ['a', file('1')],
    ['sub/b', file('2', 0o400)],
  ]);
  assert.equal(await writeAtomic(d, payload, new Date('2026-01-02T03:04:05Z')), true);
  const ts = await readlink(join(d, '..data'));
  assert.match(ts, /^\.\.2026_01_02_03_04_05\.\d+$/);
  assert.equal(await readlink(join(d, 'a')), '..data/a');
  assert.equal(await readlink(join(d, 'sub')), '..data/sub');
  assert.equal(await readFile(join(d, 'a'), 'utf8'), '1');
  assert.equal(await readFile(join(d, 'sub', 'b'), 'utf8'), '2');
  assert.equal((await stat(join(d, 'sub', 'b'))).mode & 0o777, 0o400);
  assert.deepEqual((await readdir(d)).sort(), [ts, '..data', 'a', 'sub'].sort());
});

test('the same payload again writes nothing; a new one swaps ..data, drops removed names and the old dir', async () => {
  const d = await tmp();
  await writeAtomic(
    d,
    new Map([
      ['a', file('1')],
      ['gone', file('x')],
    ]),
  );
  const first = await readlink(join(d, '..data'));
  assert.equal(
    await writeAtomic(
      d,
      new Map([
        ['a', file('1')],
        ['gone', file('x')],
      ]),
    ),
    false,
  );
  assert.equal(await readlink(join(d, '..data')), first);
  assert.equal(
    await writeAtomic(
      d,
      new Map([
        ['a', file('2')],
        ['new', file('n')],
      ]),
    ),
    true,
  );
  const second = await readlink(join(d, '..data'));
  assert.notEqual(second, first);
  assert.equal(await readFile(join(d, 'a'), 'utf8'), '2');
  assert.equal(await readFile(join(d, 'new'), 'utf8'), 'n');
  await assert.rejects(lstat(join(d, 'gone')));
  await assert.rejects(lstat(join(d, first)));
  assert.deepEqual((await readdir(d)).sort(), [second, '..data', 'a', 'new'].sort());
});

test('a mode change alone is a change', async () => {
  const d = await tmp();
  await writeAtomic(d, new Map([['a', file('1', 0o644)]]));
  assert.equal(await writeAtomic(d, new Map([['a', file('1', 0o600)]])), true);
  assert.equal((await stat(join(d, 'a'))).mode & 0o777, 0o600);
});

test('payload paths: relative, no .., not starting with ..', () => {
  assert.equal(validatePayloadPath('a/b/'), 'a/b');
  assert.throws(() => validatePayloadPath('/abs'), /must be relative/);
  assert.throws(() => validatePayloadPath('a/../b'), /must not contain '..'/);
  assert.throws(() => validatePayloadPath('..data'), /must not start with '..'/);
  assert.throws(() => validatePayloadPath(''), /must not be empty/);
});
