import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { snapshotsFromFlags } from './snapshot-flags.js';
import { checkSchedule, listSnapshots, pruneSnapshots } from './snapshots.js';

test('prune keeps the newest snapshots of its name and leaves other files alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-snapshots-'));
  try {
    for (const t of [100, 300, 200, 400]) await writeFile(join(dir, `flotilla-snapshot-host-${t}.tar.gz`), 'x');
    await writeFile(join(dir, 'before-upgrade-host-50.tar.gz'), 'x');
    await writeFile(join(dir, 'notes.txt'), 'x');
    assert.deepEqual(
      (await listSnapshots(dir)).map((s) => s.createdAt.getTime() / 1000),
      [50, 100, 200, 300, 400],
    );
    const pruned = await pruneSnapshots(dir, 2);
    assert.deepEqual(pruned.map((p) => p.slice(dir.length + 1)).sort(), [
      'flotilla-snapshot-host-100.tar.gz',
      'flotilla-snapshot-host-200.tar.gz',
    ]);
    assert.deepEqual((await readdir(dir)).sort(), [
      'before-upgrade-host-50.tar.gz',
      'flotilla-snapshot-host-300.tar.gz',
      'flotilla-snapshot-host-400.tar.gz',
      'notes.txt',
    ]);
    assert.deepEqual(await pruneSnapshots(dir, 2), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('listSnapshots of a missing dir is empty', async () => {
  assert.deepEqual(await listSnapshots('/nonexistent/flotilla-snapshots'), []);
});

test('scheduled snapshots are decided as k3s does: on for etcd, off for SQLite unless given', () => {
  const base = { dataDir: '/d', snapshotRetention: 5 };
  assert.deepEqual(snapshotsFromFlags({ ...base, datastore: 'etcd://127.0.0.1:2379' }), {
    schedule: '0 */12 * * *',
    retention: 5,
    dir: '/d/db/snapshots',
  });
  assert.equal(snapshotsFromFlags({ ...base, datastore: 'sqlite' }), undefined);
  assert.equal(snapshotsFromFlags({ ...base, datastore: 'etcd://h:1', snapshotSchedule: 'off' }), undefined);
  assert.equal(snapshotsFromFlags({ ...base, datastore: 'memory', snapshotSchedule: '* * * * *' }), undefined);
  assert.deepEqual(
    snapshotsFromFlags({ ...base, datastore: 'sqlite', snapshotSchedule: '*/5 * * * *', snapshotDir: '/s' }),
    { schedule: '*/5 * * * *', retention: 5, dir: '/s' },
  );
  assert.throws(
    () => snapshotsFromFlags({ ...base, datastore: 'sqlite', snapshotSchedule: '61 * * * *' }),
    /--snapshot-schedule "61 \* \* \* \*": /,
  );
  assert.equal(checkSchedule('0 0 * * 0'), undefined);
  assert.ok(checkSchedule('not cron'));
});
