import {
  checkSchedule,
  DEFAULT_SNAPSHOT_RETENTION,
  DEFAULT_SNAPSHOT_SCHEDULE,
  defaultSnapshotDir,
} from './snapshots.js';

/**
 * The scheduled snapshots of `flotilla server`/`up` from their flags, decided as k3s does: on etcd
 * every 12 hours keeping 5 unless told otherwise; on SQLite only when a schedule is given ('off'
 * turns them off on either). Throws with the flag's name for a schedule croner cannot parse.
 */
export function snapshotsFromFlags(flags: {
  dataDir: string;
  datastore: string;
  snapshotSchedule?: string;
  snapshotRetention?: number;
  snapshotDir?: string;
}): { schedule: string; retention: number; dir: string } | undefined {
  const given = flags.snapshotSchedule?.trim();
  if (given === 'off' || given === 'none' || given === '') return undefined;
  if (flags.datastore === 'memory') return undefined;
  const schedule = given ?? (flags.datastore === 'sqlite' ? undefined : DEFAULT_SNAPSHOT_SCHEDULE);
  if (schedule === undefined) return undefined;
  const problem = checkSchedule(schedule);
  if (problem) throw new Error(`--snapshot-schedule ${JSON.stringify(schedule)}: ${problem}`);
  return {
    schedule,
    retention: flags.snapshotRetention ?? DEFAULT_SNAPSHOT_RETENTION,
    dir: flags.snapshotDir ?? defaultSnapshotDir(flags.dataDir),
  };
}
