import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { until } from '../../testing/until.js';
import { LogParser, servedTime, streamLog } from './container-logs.js';

const record = (text: string, tag = 'F') => `2026-12-08T02:00:00.000000000+00:00 stdout ${tag} ${text}\n`;

test('records join into lines; a partial line waits for its end', () => {
  const p = new LogParser();
  assert.deepEqual(
    p.push(record('a') + record('b', 'P')).map((l) => l.text),
    ['a'],
  );
  assert.deepEqual(
    p.push(record('c')).map((l) => l.text),
    ['bc'],
  );
  assert.equal(servedTime('2026-12-08T02:00:00.100000000+00:00'), '2026-12-08T02:00:00.1Z');
});

test('follow reads a rotated log to its end, then the new file at the same path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'container-logs-'));
  const file = join(dir, '0.log');
  try {
    await writeFile(file, record('one'));
    const got: string[] = [];
    let active = true;
    const done = streamLog(
      file,
      { follow: true, timestamps: false },
      async (s) => {
        got.push(s);
        return true;
      },
      () => active,
      () => false,
      10,
    );
    await until('the first line', () => got.length === 1);
    // Rotation: rename; the writer still appends to the renamed file, then starts a new one.
    await rename(file, `${file}.20261208-020000.000`);
    await appendFile(`${file}.20261208-020000.000`, record('two'));
    await writeFile(file, record('three'));
    await appendFile(file, record('four'));
    await until('all four lines', () => got.length === 4);
    active = false;
    await done;
    assert.deepEqual(got, ['one\n', 'two\n', 'three\n', 'four\n']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
