import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, terminalLine } from './create-logger.js';

test('terminalLine: level word, message, the placing fields and the error message', () => {
  const line = JSON.stringify({
    level: 40,
    time: 1,
    pid: 7,
    component: 'agent',
    node: 'n1',
    key: 'default/web',
    retries: 3,
    err: { type: 'Error', message: 'CNI ADD failed', stack: 'Error: ...' },
    msg: 'sync failed',
  });
  assert.equal(
    terminalLine(line),
    'flotilla: warning: sync failed (component=agent, node=n1, key=default/web): CNI ADD failed\n',
  );
  assert.equal(terminalLine(JSON.stringify({ level: 50, msg: 'boom' })), 'flotilla: error: boom\n');
  assert.equal(terminalLine('not json'), 'not json\n');
});

test('createLogger with a file: every level at or above --log-level as JSON in the file, warnings and errors as text on stderr', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-log-'));
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const file = join(dir, 'logs', 'flotilla.log');
    const log = createLogger('info', file);
    log.debug('hidden');
    log.info({ component: 'scheduler' }, 'started');
    log.warn({ component: 'agent' }, 'slow');
    process.stderr.write = original;
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['started', 'slow'],
    );
    assert.deepEqual(written, ['flotilla: warning: slow (component=agent)\n']);
  } finally {
    process.stderr.write = original;
    await rm(dir, { recursive: true, force: true });
  }
});
