import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { type BackupManifest, type WriteBackupOptions, writeBackup } from './backup-archive.js';

/** k3s' etcd snapshot defaults: at minute 0 every 12 hours, the 5 newest kept. */
export const DEFAULT_SNAPSHOT_SCHEDULE = '0 */12 * * *';
export const DEFAULT_SNAPSHOT_RETENTION = 5;
/** Name prefix of snapshots (k3s: etcd-snapshot); a snapshot is `<name>-<host>-<unix seconds>.tar.gz`. */
export const DEFAULT_SNAPSHOT_NAME = 'flotilla-snapshot';

/** `<data-dir>/db/snapshots`, where k3s keeps its own (`server/db/snapshots`). */
export function defaultSnapshotDir(dataDir: string): string {
  return join(dataDir, 'db', 'snapshots');
}

export interface SnapshotFile {
  name: string;
  path: string;
  size: number;
  /** From the name's unix-seconds suffix. */
  createdAt: Date;
}

const SNAPSHOT_FILE = /^(.+)-(\d+)\.tar\.gz$/;

/** The snapshots in `dir` (files named `<prefix>-<unix seconds>.tar.gz`), oldest first; [] when dir is missing. */
export async function listSnapshots(dir: string): Promise<SnapshotFile[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const out: SnapshotFile[] = [];
  for (const name of names) {
    const m = SNAPSHOT_FILE.exec(name);
    if (!m) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile()) continue;
    out.push({ name, path: join(dir, name), size: st.size, createdAt: new Date(Number(m[2]) * 1000) });
  }
  return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.name.localeCompare(b.name));
}

/**
 * Takes a snapshot into `dir` as `<name>-<host>-<unix seconds>.tar.gz` (a whole backup, restorable
 * with `flotilla restore`). Two snapshots in one second get the later second, so none is overwritten.
 */
export async function saveSnapshot(
  o: Omit<WriteBackupOptions, 'out'> & { dir: string; name?: string; now?: () => number },
): Promise<{ file: string; manifest: BackupManifest }> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const prefix = `${o.name ?? DEFAULT_SNAPSHOT_NAME}-${hostname()}`;
  let seconds = Math.floor((o.now ?? Date.now)() / 1000);
  const taken = new Set((await listSnapshots(o.dir)).map((s) => s.name));
  while (taken.has(`${prefix}-${seconds}.tar.gz`)) seconds += 1;
  const file = join(o.dir, `${prefix}-${seconds}.tar.gz`);
  const manifest = await writeBackup({ ...o, out: file });
  return { file, manifest };
}

/**
 * Deletes the oldest snapshots of `name` (k3s prunes only its own scheduled ones: other files in
 * the dir are left alone) so that `retention` remain. Returns the deleted files.
 */
export async function pruneSnapshots(dir: string, retention: number, name = DEFAULT_SNAPSHOT_NAME): Promise<string[]> {
  const own = (await listSnapshots(dir)).filter((s) => s.name.startsWith(`${name}-`));
  const excess = own.slice(0, Math.max(0, own.length - retention));
  for (const s of excess) await rm(s.path, { force: true });
  return excess.map((s) => s.path);
}

export interface SnapshotScheduleOptions extends Omit<WriteBackupOptions, 'out'> {
  /** Cron expression (5 fields, or 6 with seconds first), as k3s' --etcd-snapshot-schedule-cron. */
  schedule: string;
  retention: number;
  dir: string;
  log: Logger;
}

/** Checks a cron expression once at start-up; returns an error message or undefined. */
export function checkSchedule(schedule: string): string | undefined {
  try {
    new Cron(schedule, { paused: true }).stop();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Takes a snapshot at every time the cron schedule names, then prunes to the retention. A run still
 * going when the next is due is not doubled (croner's protect). A failed snapshot is logged and
 * the schedule goes on. stop() ends the schedule and waits for a running snapshot.
 */
export function startSnapshotSchedule(o: SnapshotScheduleOptions): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const job = new Cron(o.schedule, { protect: true }, () => {
    running = (async () => {
      try {
        const { file, manifest } = await saveSnapshot(o);
        const pruned = await pruneSnapshots(o.dir, o.retention);
        o.log.info({ file, revision: manifest.revision, keys: manifest.keys, pruned }, 'store snapshot taken');
      } catch (err) {
        o.log.error({ err, dir: o.dir }, 'store snapshot failed');
      }
    })();
    return running;
  });
  o.log.info({ schedule: o.schedule, next: job.nextRun()?.toISOString(), dir: o.dir }, 'store snapshots scheduled');
  return {
    async stop() {
      job.stop();
      await running;
    },
  };
}
