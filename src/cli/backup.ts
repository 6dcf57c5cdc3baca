/**
 * `flotilla backup`, `restore`, `snapshot save|ls|prune` and `migrate --to-etcd`: the store and the
 * data-dir files a cluster needs, taken while the server runs (src/server/backup/).
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { BackupManifest } from '../server/backup/backup-archive.js';
import type { EtcdClientTls } from '../server/backup/etcd-snapshot.js';

export interface StoreFlags {
  dataDir: string;
  /** `sqlite` (default) or `etcd://HOST:PORT[,...]`. */
  datastore: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
}

export interface BackupFlags extends StoreFlags {
  out?: string;
}

export interface RestoreFlags {
  dataDir: string;
  force?: boolean;
  etcdDataDir?: string;
  etcdName?: string;
  etcdPeerUrl?: string;
}

export interface SnapshotFlags extends StoreFlags {
  snapshotDir?: string;
  snapshotRetention: number;
  name?: string;
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Prints the message of a refused or failed command and exits 1. */
function fail(command: string, err: unknown): never {
  process.stderr.write(`flotilla ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

function etcdTls(f: StoreFlags): EtcdClientTls | undefined {
  return f.etcdCafile ? { caFile: f.etcdCafile, certFile: f.etcdCertfile, keyFile: f.etcdKeyfile } : undefined;
}

/** What a backup holds, in a few lines. */
export function describeManifest(m: BackupManifest, file: string): string[] {
  const storeFile = m.files.find((f) => f.path === 'db/state.db' || f.path === 'etcd/snapshot.db');
  const others = m.files.filter((f) => f !== storeFile).map((f) => f.path);
  return [
    `backup: ${file}`,
    `  taken ${m.createdAt} on ${m.host}`,
    `  store: ${m.datastore === 'etcd' ? 'etcd snapshot' : 'SQLite database'} at revision ${m.revision}, ${m.keys} keys (${storeFile?.size ?? 0} bytes)`,
    `  files: ${others.length > 0 ? others.join(', ') : '(none)'}`,
  ];
}

/** `flotilla backup [--out FILE]`: a consistent copy of the store and the data dir's keys, while the server runs. */
export async function runBackup(flags: BackupFlags): Promise<void> {
  const { writeBackup } = await import('../server/backup/backup-archive.js');
  const file = resolve(flags.out ?? `flotilla-backup-${hostname()}-${Math.floor(Date.now() / 1000)}.tar.gz`);
  try {
    const manifest = await writeBackup({
      dataDir: flags.dataDir,
      datastore: flags.datastore,
      out: file,
      etcdTls: etcdTls(flags),
    });
    for (const line of describeManifest(manifest, file)) out(line);
  } catch (err) {
    fail('backup', err);
  }
}

/** `flotilla restore FILE --data-dir DIR [--force]`. */
export async function runRestore(file: string, flags: RestoreFlags): Promise<void> {
  const { restoreBackup } = await import('../server/backup/backup-archive.js');
  try {
    const r = await restoreBackup(resolve(file), {
      dataDir: flags.dataDir,
      force: flags.force,
      etcdDataDir: flags.etcdDataDir,
      etcdMember: { name: flags.etcdName, peerUrl: flags.etcdPeerUrl },
    });
    for (const line of describeManifest(r.manifest, file)) out(line);
    out(`restored into ${flags.dataDir}: ${r.restored.join(', ')}`);
    if (r.manifest.datastore === 'etcd')
      out(
        `start etcd on ${r.restored[r.restored.length - 1]} (member ${flags.etcdName ?? 'default'}, peer URL ${flags.etcdPeerUrl ?? 'http://localhost:2380'}), then flotilla server --data-dir ${flags.dataDir} --datastore etcd://...`,
      );
    else out(`start it with: flotilla server --data-dir ${flags.dataDir}`);
  } catch (err) {
    fail('restore', err);
  }
}

/** `flotilla snapshot save|ls|prune`. */
export async function runSnapshot(action: string, flags: SnapshotFlags): Promise<void> {
  const snapshots = await import('../server/backup/snapshots.js');
  const dir = flags.snapshotDir ?? snapshots.defaultSnapshotDir(flags.dataDir);
  try {
    if (action === 'save') {
      const { file, manifest } = await snapshots.saveSnapshot({
        dataDir: flags.dataDir,
        datastore: flags.datastore,
        etcdTls: etcdTls(flags),
        dir,
        name: flags.name,
      });
      for (const line of describeManifest(manifest, file)) out(line);
    } else if (action === 'ls' || action === 'list') {
      out('Name\tLocation\tSize\tCreated');
      for (const s of await snapshots.listSnapshots(dir))
        out(`${s.name}\tfile://${s.path}\t${s.size}\t${s.createdAt.toISOString()}`);
    } else if (action === 'prune') {
      const pruned = await snapshots.pruneSnapshots(dir, flags.snapshotRetention, flags.name);
      for (const p of pruned) out(`removed ${p}`);
      out(`${pruned.length} snapshot(s) removed, up to ${flags.snapshotRetention} kept`);
    } else {
      process.stderr.write(`flotilla snapshot: unknown action ${JSON.stringify(action)}; use save, ls or prune\n`);
      process.exit(2);
    }
  } catch (err) {
    fail(`snapshot ${action}`, err);
  }
}

/** `flotilla migrate --to-etcd etcd://HOST:PORT[,...] --data-dir DIR`. */
export async function runMigrate(flags: { dataDir: string; toEtcd: string }): Promise<void> {
  const [{ migrateSqliteToEtcd }, { etcdEndpoints }] = await Promise.all([
    import('../server/backup/migrate-to-etcd.js'),
    import('../store/index.js'),
  ]);
  const spec = /^(etcd|http):\/\//.test(flags.toEtcd) ? flags.toEtcd : `etcd://${flags.toEtcd}`;
  const endpoints = etcdEndpoints(spec);
  if (endpoints.length === 0) fail('migrate', new Error('--to-etcd: expected HOST:PORT[,HOST:PORT...]'));
  try {
    const r = await migrateSqliteToEtcd({ dataDir: flags.dataDir, endpoints, progress: out });
    out(
      `migrated ${r.keys} keys from ${flags.dataDir}/db/state.db (revision ${r.sqliteRevision}) to etcd (revision ${r.etcdRevision})`,
    );
    out(`start the server with: flotilla server --data-dir ${flags.dataDir} --datastore ${spec}`);
  } catch (err) {
    fail('migrate', err);
  }
}
