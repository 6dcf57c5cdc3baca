import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from './sqlite-store.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-wal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a worker checkpoint copies every WAL frame written by another connection; requests during a run share the next run', async () => {
  const path = join(dir, 'plain.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v BLOB)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(4096, i));
  const checkpointer = new WalCheckpointer(path);
  try {
    const first = checkpointer.request();
    const [second, third] = [checkpointer.request(), checkpointer.request()];
    assert.equal(second, third, 'requests made during a run share one more run');
    const r = await first;
    assert.ok(r.log > 200, `WAL frames ${r.log}`);
    assert.equal(r.checkpointed, r.log);
    assert.equal(r.busy, 0);
    await second;
    assert.equal(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM t').get()?.n, 200);
  } finally {
    await checkpointer.close();
    db.close();
  }
  await assert.rejects(checkpointer.request(), /exited/);
});

test('the store keeps its WAL small with automatic checkpoints off, and its data survives a reopen', async () => {
  const path = join(dir, 'store', 'state.db');
  const store = openSqliteStore({ path });
  const value = new Uint8Array(1024).fill(7);
  // 20,000 writes of 1 KiB: without the worker's checkpoints the WAL would pass 20 MiB. The bound
  // leaves room for a worker that lags behind on a loaded machine.
  for (let batch = 0; batch < 200; batch++) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`/k/${batch}/${i}`, value)));
  }
  const wal = statSync(`${path}-wal`).size;
  assert.ok(wal < 18 * 1024 * 1024, `WAL ${(wal / 1048576).toFixed(1)} MiB`);
  await store.close();
  const reopened = openSqliteStore({ path });
  try {
    assert.equal(await reopened.count('/k/'), 20_000);
  } finally {
    await reopened.close();
  }
});
