import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * kill -9 of a process in the middle of a stream of SQLite writes: every write it acknowledged
 * (printed after its promise resolved) must be in the database when it is reopened.
 */
it('SQLite store keeps every acknowledged write across kill -9', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-durability-'));
  try {
    const dbPath = join(dir, 'db', 'state.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'store-writer.ts'), dbPath, '32'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const acks = new Map<string, number>();
    let buffered = '';
    let killed = false;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('close', (_code, signal) => resolve(signal)),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, key, rev] = line.split(' ');
        if (word === 'ack') acks.set(key, Number(rev));
      }
      // Kill mid-stream, at an arbitrary point once a few thousand writes are acknowledged.
      if (!killed && acks.size >= 3000) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    const signal = await exited;
    assert.equal(signal, 'SIGKILL', 'the writer was killed, not finished');
    assert.ok(acks.size >= 3000, `acknowledged ${acks.size}`);

    const store = openSqliteStore({ path: dbPath });
    try {
      let maxAck = 0;
      for (const [key, revision] of acks) {
        const got = await store.get(key);
        assert.ok(got, `acknowledged ${key}@${revision} is missing`);
        assert.equal(got.modRevision, revision);
        assert.equal(got.value.length, 1500);
        maxAck = Math.max(maxAck, revision);
      }
      assert.ok((await store.currentRevision()) >= maxAck);
      // The reopened store keeps working and continues the revision sequence.
      const after = await store.create('/registry/durability/after', new Uint8Array([1]));
      assert.ok(after.ok && after.revision > maxAck);
      assert.ok((await store.count('/registry/durability/')) >= acks.size + 1);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
