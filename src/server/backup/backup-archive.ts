import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand } from '../../machinery/exec/run-command.js';
import { etcdEndpoints } from '../../store/index.js';
import {
  type EtcdClientTls,
  type EtcdRestoreMember,
  describeEtcdSnapshot,
  restoreEtcdSnapshot,
  saveEtcdSnapshot,
} from './etcd-snapshot.js';
import { describeSqlite, snapshotSqlite, type StoreSnapshotInfo } from './sqlite-snapshot.js';

export const BACKUP_FORMAT = 'flotilla-backup/v1';
export const MANIFEST_NAME = 'flotilla-backup.json';
/** Where the SQLite store lives in a data dir, and in a backup. */
export const SQLITE_PATH = 'db/state.db';
/** The etcd snapshot inside a backup. */
export const ETCD_SNAPSHOT_PATH = 'etcd/snapshot.db';

/**
 * The parts of a server data dir a restored cluster needs besides the store: the CA and every
 * certificate and key (tls/, including the ServiceAccount signing key), the Secrets encryption
 * configuration (cred/), the admin and join tokens, and the registry configuration. Images, pod
 * state and logs are node state and are not backed up; kubeconfig.yaml is written at start.
 */
const DATA_DIR_PARTS = ['tls', 'cred', 'token', 'admin-token', 'registries.yaml'];

/** The first entry of every backup: what it holds. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  host: string;
  datastore: 'sqlite' | 'etcd';
  /** The store's revision when the backup was taken (every acknowledged write up to it is in). */
  revision: number;
  /** Live keys in the store snapshot (for etcd: etcdctl's total, which counts every stored key version). */
  keys: number;
  files: Array<{ path: string; size: number; sha256: string }>;
}

export interface WriteBackupOptions {
  /** The server's data dir (its tls/, cred/, tokens; for SQLite also db/state.db). */
  dataDir: string;
  /** `sqlite` (the data dir's database) or `etcd://host:port[,...]`. */
  datastore: string;
  /** The archive to write (a .tar.gz); written beside as `.partial` and renamed when complete. */
  out: string;
  /** Client TLS for an etcd with TLS. */
  etcdTls?: EtcdClientTls;
}

/**
 * Writes a backup of a server's store and the data-dir files a restore needs, while the server may
 * run and write: the store is copied first (SQLite online backup, or an etcd snapshot), then the
 * files. Returns the manifest. Called by `flotilla backup`, `flotilla snapshot save` and the
 * scheduled snapshots; idempotent only in that a new archive replaces `out`.
 */
export async function writeBackup(o: WriteBackupOptions): Promise<BackupManifest> {
  const staging = await mkdtemp(join(dirname(o.out), '.flotilla-backup-'));
  try {
    let store: StoreSnapshotInfo;
    let storePath: string;
    let datastore: BackupManifest['datastore'];
    if (o.datastore === 'sqlite') {
      datastore = 'sqlite';
      storePath = SQLITE_PATH;
      const dbPath = join(o.dataDir, SQLITE_PATH);
      if (!(await stat(dbPath).catch(() => undefined)))
        throw new TypeError(`no SQLite store at ${dbPath} (a server on etcd: give --datastore)`);
      await mkdir(join(staging, 'db'));
      store = await snapshotSqlite(dbPath, join(staging, SQLITE_PATH));
    } else {
      const { endpoints, tls } = etcdTarget(o.datastore, o.dataDir, o.etcdTls);
      if (endpoints.length === 0)
        throw new TypeError(
          `backup of datastore ${JSON.stringify(o.datastore)}: expected sqlite, etcd://HOST:PORT or https://HOST:PORT`,
        );
      datastore = 'etcd';
      storePath = ETCD_SNAPSHOT_PATH;
      await mkdir(join(staging, 'etcd'));
      store = await saveEtcdSnapshot(endpoints, join(staging, ETCD_SNAPSHOT_PATH), tls);
    }
    const paths = [storePath];
    for (const part of DATA_DIR_PARTS)
      for (const f of await filesUnder(o.dataDir, part)) {
        await mkdir(dirname(join(staging, f.path)), { recursive: true, mode: 0o700 });
        await copyFile(f.source, join(staging, f.path));
        paths.push(f.path);
      }
    const files: BackupManifest['files'] = [];
    for (const path of paths) files.push({ path, ...(await sizeAndHash(join(staging, path))) });
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      host: hostname(),
      datastore,
      revision: store.revision,
      keys: store.keys,
      files,
    };
    await writeFile(join(staging, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    // The machine's tar (as the image code uses it): the manifest first, so a reader finds it at once.
    const partial = `${o.out}.partial`;
    await runCommand('tar', ['-czf', partial, '-C', staging, MANIFEST_NAME, ...paths]);
    await chmod(partial, 0o600);
    await rename(partial, o.out);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface RestoreOptions {
  /** The data dir to restore into: created if missing; must be empty unless `force`. */
  dataDir: string;
  /** Overwrite what the data dir holds (its store files, TLS material, tokens). */
  force?: boolean;
  /** For an etcd backup: where the restored etcd data dir goes (default `<dataDir>/etcd`, the embedded member's) and its member. */
  etcdDataDir?: string;
  etcdMember?: EtcdRestoreMember;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Paths written, relative to the data dir (the etcd data dir absolute). */
  restored: string[];
}

/** A backup that cannot be restored, or a restore that would overwrite without --force. */
export class RestoreError extends Error {
  readonly code = 'RestoreRefused';
}

/**
 * Restores a backup written by writeBackup into a data dir: every file is checked against the
 * manifest's SHA-256 before anything in the data dir is touched; a SQLite store goes to
 * db/state.db (old WAL and shared-memory files removed), an etcd snapshot is restored with etcdctl
 * into a new one-member etcd data dir. Refuses a non-empty data dir without `force`.
 */
export async function restoreBackup(file: string, o: RestoreOptions): Promise<RestoreResult> {
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const existing = (await readdir(o.dataDir)).filter((n) => !n.startsWith('.flotilla-restore-'));
  if (existing.length > 0 && !o.force)
    throw new RestoreError(
      `data dir ${o.dataDir} is not empty (${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', ...' : ''}); restore with --force to overwrite it`,
    );
  const staging = await mkdtemp(join(o.dataDir, '.flotilla-restore-'));
  try {
    const manifest = await extractBackup(file, staging);
    const restored: string[] = [];
    for (const f of manifest.files) {
      if (f.path === ETCD_SNAPSHOT_PATH) continue;
      const target = join(o.dataDir, f.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      if (f.path === SQLITE_PATH)
        for (const suffix of ['-wal', '-shm', '-journal']) await rm(`${target}${suffix}`, { force: true });
      await rename(join(staging, f.path), target);
      await chmod(target, 0o600);
      restored.push(f.path);
    }
    if (manifest.datastore === 'etcd') {
      const etcdDir = o.etcdDataDir ?? join(o.dataDir, 'etcd');
      const present = await readdir(etcdDir).catch(() => [] as string[]);
      if (present.length > 0) {
        if (!o.force)
          throw new RestoreError(`etcd data dir ${etcdDir} is not empty; restore with --force to replace it`);
        await rm(etcdDir, { recursive: true, force: true });
      }
      await mkdir(dirname(etcdDir), { recursive: true, mode: 0o700 });
      await restoreEtcdSnapshot(join(staging, ETCD_SNAPSHOT_PATH), etcdDir, o.etcdMember);
      restored.push(etcdDir);
    }
    for (const dir of ['db', 'tls', 'cred']) await chmod(join(o.dataDir, dir), 0o700).catch(() => undefined);
    return { manifest, restored };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Reads a backup's manifest and checks every file against it (size and SHA-256) without keeping
 * them. Throws RestoreError for an archive that is not a complete Flotilla backup.
 */
export async function verifyBackup(file: string): Promise<BackupManifest> {
  const scratch = await mkdtemp(join(dirname(file), '.flotilla-verify-'));
  try {
    return await extractBackup(file, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Extracts the archive into `into` (GNU tar keeps members inside it), checks every file against the manifest, returns it. */
async function extractBackup(file: string, into: string): Promise<BackupManifest> {
  const r = await runCommand('tar', ['-xzf', file, '-C', into, '--no-same-owner', '--no-same-permissions'], {
    allowFailure: true,
  });
  if (r.code !== 0) throw new RestoreError(`${file} is not a readable backup archive: ${r.stderr.trim()}`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(into, MANIFEST_NAME), 'utf8')) as BackupManifest;
  } catch {
    throw new RestoreError(`${file} is not a Flotilla backup (no readable ${MANIFEST_NAME})`);
  }
  if (manifest.format !== BACKUP_FORMAT)
    throw new RestoreError(`${file}: backup format ${JSON.stringify(manifest.format)}, expected ${BACKUP_FORMAT}`);
  for (const f of manifest.files) {
    if (!safeRelative(f.path)) throw new RestoreError(`${file}: unexpected path ${JSON.stringify(f.path)}`);
    const got = await sizeAndHash(join(into, f.path)).catch(() => undefined);
    if (!got) throw new RestoreError(`${file}: ${f.path} is missing (truncated backup?)`);
    if (got.size !== f.size || got.sha256 !== f.sha256)
      throw new RestoreError(`${file}: ${f.path} does not match its checksum (damaged backup)`);
  }
  const storeFile = manifest.datastore === 'etcd' ? ETCD_SNAPSHOT_PATH : SQLITE_PATH;
  if (!manifest.files.some((f) => f.path === storeFile))
    throw new RestoreError(`${file}: no store snapshot (${storeFile})`);
  return manifest;
}

/**
 * Client URLs and TLS of an etcd store spec: `etcd://` and `http://` are plain; `https://` uses the
 * given files or else the embedded member's (`<data-dir>/tls/etcd/`: its CA copy and the API
 * server's etcd client certificate).
 */
function etcdTarget(
  spec: string,
  dataDir: string,
  tls: EtcdClientTls | undefined,
): { endpoints: string[]; tls?: EtcdClientTls } {
  if (!spec.startsWith('https://')) return { endpoints: etcdEndpoints(spec), tls };
  const endpoints = spec
    .split(',')
    .map((h) => h.trim().replace(/\/+$/, ''))
    .filter((h) => /^https:\/\/[^/\s]+$/.test(h));
  const dir = join(dataDir, 'tls', 'etcd');
  return {
    endpoints,
    tls: tls ?? {
      caFile: join(dir, 'ca.crt'),
      certFile: join(dir, 'apiserver-etcd-client.crt'),
      keyFile: join(dir, 'apiserver-etcd-client.key'),
    },
  };
}

/** The store snapshot's revision and key count of an extracted store file (tests and `snapshot ls`). */
export function describeStoreFile(datastore: BackupManifest['datastore'], path: string): Promise<StoreSnapshotInfo> {
  return datastore === 'etcd' ? describeEtcdSnapshot(path) : Promise.resolve(describeSqlite(path));
}

function safeRelative(name: string): boolean {
  return name.length > 0 && !name.startsWith('/') && !name.split('/').includes('..');
}

async function filesUnder(root: string, rel: string): Promise<Array<{ path: string; source: string }>> {
  const source = join(root, rel);
  const st = await stat(source).catch(() => undefined);
  if (!st) return [];
  if (st.isFile()) return [{ path: rel, source }];
  if (!st.isDirectory()) return [];
  const out: Array<{ path: string; source: string }> = [];
  for (const entry of await readdir(source, { withFileTypes: true }))
    if (entry.isFile() || entry.isDirectory()) out.push(...(await filesUnder(root, `${rel}/${entry.name}`)));
  return out;
}

async function sizeAndHash(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
