import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../../machinery/exec/run-command.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { RestoreError, restoreBackup, verifyBackup, writeBackup } from './backup-archive.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-backup-unit-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a backup taken during writes holds exactly the writes up to its revision, and the data-dir keys', () =>
  withDir(async (dir) => {
    const dataDir = join(dir, 'data');
    await mkdir(join(dataDir, 'tls'), { recursive: true });
    await writeFile(join(dataDir, 'tls', 'ca.key'), 'CA KEY');
    await writeFile(join(dataDir, 'admin-token'), 'token\n');
    const store = openSqliteStore({ path: join(dataDir, 'db', 'state.db') });
    const acked = new Map<string, number>();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const r = await store.create(`/registry/things/k${i}`, new Uint8Array(512).fill(i % 251));
        if (r.ok) acked.set(`/registry/things/k${i}`, r.revision);
      }
    })();
    while (acked.size < 200) await new Promise((r) => setTimeout(r, 5));
    const out = join(dir, 'b.tar.gz');
    const manifest = await writeBackup({ dataDir, datastore: 'sqlite', out });
    writing = false;
    await writer;
    await store.close();
    assert.equal(manifest.datastore, 'sqlite');
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), ['admin-token', 'db/state.db', 'tls/ca.key']);

    const target = join(dir, 'restored');
    const r = await restoreBackup(out, { dataDir: target });
    assert.deepEqual(r.restored.sort(), ['admin-token', 'db/state.db', 'tls/ca.key']);
    assert.equal(await readFile(join(target, 'tls', 'ca.key'), 'utf8'), 'CA KEY');
    const restored = openSqliteStore({ path: join(target, 'db', 'state.db'), checkpointWorker: false });
    try {
      assert.equal(await restored.currentRevision(), manifest.revision);
      for (const [key, revision] of acked) {
        const got = await restored.get(key);
        if (revision <= manifest.revision) assert.equal(got?.modRevision, revision, key);
        else assert.equal(got, undefined, key);
      }
    } finally {
      await restored.close();
    }
    // A second restore into the now non-empty dir is refused unless forced.
    await assert.rejects(restoreBackup(out, { dataDir: target }), RestoreError);
    await restoreBackup(out, { dataDir: target, force: true });
  }));

test('a damaged or foreign archive is refused before anything is restored', () =>
  withDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const store = openSqliteStore({ path: join(dataDir, 'db', 'state.db'), checkpointWorker: false });
    await store.create('/registry/a', new Uint8Array([1]));
    await store.close();
    const out = join(dir, 'b.tar.gz');
    await writeBackup({ dataDir, datastore: 'sqlite', out });
    await verifyBackup(out);

    // The store file replaced by another of the same name: its checksum no longer matches.
    const unpacked = join(dir, 'unpacked');
    await mkdir(unpacked);
    await runCommand('tar', ['-xzf', out, '-C', unpacked]);
    await writeFile(join(unpacked, 'db', 'state.db'), 'not the database');
    const damaged = join(dir, 'damaged.tar.gz');
    await runCommand('tar', ['-czf', damaged, '-C', unpacked, '.']);
    await assert.rejects(verifyBackup(damaged), /db\/state\.db does not match its checksum/);
    await assert.rejects(restoreBackup(damaged, { dataDir: join(dir, 'never') }), RestoreError);

    const foreign = join(dir, 'foreign.tar.gz');
    await runCommand('tar', ['-czf', foreign, '-C', join(unpacked, 'db'), 'state.db']);
    await assert.rejects(verifyBackup(foreign), /not a Flotilla backup/);
    await writeFile(join(dir, 'junk.tar.gz'), 'junk');
    await assert.rejects(verifyBackup(join(dir, 'junk.tar.gz')), /not a readable backup archive/);
  }));
