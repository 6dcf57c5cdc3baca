import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { WatchEvent } from '../store.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-sqlite-int-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = (): string => join(dir, `db${n++}`, 'state.db');
const b = (s: string): Uint8Array => new TextEncoder().encode(s);

function rowCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('SqliteStore specifics', () => {
  it('keeps data, revision and compacted revision across reopen', async () => {
    const file = path();
    const s1 = openSqliteStore({ path: file });
    const c = await s1.create('/a', b('1'));
    assert.ok(c.ok);
    await s1.delete('/a');
    await s1.create('/b', b('2'));
    await s1.compact(c.revision + 1);
    const rev = await s1.currentRevision();
    await s1.close();

    const s2 = openSqliteStore({ path: file });
    assert.equal(await s2.currentRevision(), rev);
    assert.equal(await s2.compactedRevision(), c.revision + 1);
    assert.equal(new TextDecoder().decode((await s2.get('/b'))?.value), '2');
    const r = await s2.create('/c', b('3'));
    assert.ok(r.ok && r.revision === rev + 1);
    await s2.close();
  });

  it('compaction deletes superseded rows and tombstones, keeps latest values', async () => {
    const file = path();
    const s = openSqliteStore({ path: file, compactBatchSize: 7 });
    let rev = 0;
    const c = await s.create('/k', b('v0'));
    assert.ok(c.ok);
    rev = c.revision;
    for (let i = 1; i <= 50; i++) {
      const u = await s.update('/k', b(`v${i}`), rev);
      assert.ok(u.ok);
      rev = u.revision;
    }
    for (let i = 0; i < 20; i++) await s.create(`/gone/${i}`, b('x'));
    for (let i = 0; i < 20; i++) await s.delete(`/gone/${i}`);
    await s.create('/gone/0', b('back'));
    await s.compact(await s.currentRevision());
    // Left: the latest /k row and the re-created /gone/0.
    assert.equal(rowCount(file), 2);
    assert.equal(new TextDecoder().decode((await s.get('/k'))?.value), 'v50');
    assert.equal(await s.count('/gone/'), 1);
    // CAS and re-creation still work on compacted keys.
    assert.ok((await s.update('/k', b('v51'), rev)).ok);
    assert.ok((await s.delete('/gone/0')).ok);
    assert.ok((await s.create('/gone/1', b('again'))).ok);
    await s.close();
  });

  it('a watch replays more than one chunk of history in order', async () => {
    const s = openSqliteStore({ path: path() });
    const start = await s.currentRevision();
    const writes = Array.from({ length: 2500 }, (_, i) =>
      s.create(`/many/${String(i).padStart(5, '0')}`, b(String(i))),
    );
    await Promise.all(writes);
    const events = await new Promise<WatchEvent[]>((resolve, reject) => {
      const got: WatchEvent[] = [];
      const w = s.watch('/many/', {
        afterRevision: start,
        onEvents(e) {
          got.push(...e);
          if (got.length >= 2501) {
            w.cancel();
            resolve(got);
          }
        },
        onError: reject,
      });
      void s.create('/many/live', b('live'));
    });
    assert.equal(events.length, 2501);
    for (let i = 1; i < events.length; i++) assert.equal(events[i].revision, events[i - 1].revision + 1);
    assert.equal(events[2500].key, '/many/live');
    await s.close();
  });

  it('group commit batches same-tick writes but resolves each with its own result', async () => {
    const s = openSqliteStore({ path: path() });
    const results = await Promise.all([s.create('/g/a', b('1')), s.create('/g/a', b('2')), s.create('/g/b', b('3'))]);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false, true],
    );
    assert.ok(results[0].ok && results[2].ok && results[2].revision === results[0].revision + 1);
    await s.close();
  });

  it('auto-compaction compacts on its timer', async () => {
    const s = openSqliteStore({ path: path(), autoCompact: { intervalMs: 20, keepRevisions: 2 } });
    const c = await s.create('/t', b('0'));
    assert.ok(c.ok);
    let rev = c.revision;
    for (let i = 1; i < 10; i++) {
      const u = await s.update('/t', b(String(i)), rev);
      assert.ok(u.ok);
      rev = u.revision;
    }
    // First tick: keep only the last 2 revisions; later ticks: drop what is older than one interval.
    await new Promise((r) => setTimeout(r, 30));
    assert.ok((await s.compactedRevision()) >= rev - 2);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(await s.compactedRevision(), rev);
    assert.equal(new TextDecoder().decode((await s.get('/t'))?.value), '9');
    await s.close();
  });

  it('close checkpoints the WAL back to empty', async () => {
    const file = path();
    const s = openSqliteStore({ path: file });
    await Promise.all(Array.from({ length: 500 }, (_, i) => s.create(`/w/${i}`, new Uint8Array(1500))));
    assert.ok(statSync(`${file}-wal`).size > 0);
    s.checkpoint();
    await s.close();
    assert.equal(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0, 0);
  });
});
