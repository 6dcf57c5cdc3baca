/**
 * Container log rotation, as the kubelet's container log manager does it: a log that has grown past
 * the size limit is renamed to `<log>.<UTC time>`, conmon is told to reopen its log path (so it
 * starts a new file there), and the oldest rotated files beyond the file limit are deleted.
 */
import { constants } from 'node:fs';
import { appendFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface LogRotationLimits {
  /** Rotate a log at this size (the kubelet's containerLogMaxSize, default 10Mi). */
  maxBytes: number;
  /** Files kept per container, the live one included (containerLogMaxFiles, default 5). */
  maxFiles: number;
}

export const DEFAULT_LOG_ROTATION: LogRotationLimits = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** conmon's control message that makes it reopen its log files (`<type> <arg> <arg>`). */
const REOPEN_LOGS = '2 0 0\n';

/** `20261208-023512.345`: sorts in time order, unique at the rate one container rotates. Pure. */
export function rotationSuffix(now: Date): string {
  const iso = now.toISOString(); // 2026-12-08T02:35:12.345Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}.${iso.slice(20, 23)}`;
}

/**
 * Rotates `logPath` when it has reached `limits.maxBytes`: renames it, asks conmon (through its
 * control fifo `ctlPath`) to reopen the path, and prunes old files. When conmon cannot be told
 * (it has exited) the rename is undone, so an exited container's log stays where readers look.
 * Returns whether it rotated.
 */
export async function rotateIfFull(
  logPath: string,
  ctlPath: string,
  limits: LogRotationLimits,
  now: Date = new Date(),
): Promise<boolean> {
  const size = await stat(logPath).then(
    (s) => s.size,
    () => 0,
  );
  if (size < limits.maxBytes) return false;
  const rotated = `${logPath}.${rotationSuffix(now)}`;
  await rename(logPath, rotated);
  try {
    await appendFile(ctlPath, REOPEN_LOGS, { flag: constants.O_WRONLY | constants.O_NONBLOCK });
  } catch {
    await rename(rotated, logPath).catch(() => {});
    return false;
  }
  await pruneRotated(logPath, limits.maxFiles - 1);
  return true;
}

/** Deletes the oldest `<log>.<time>` files beyond `keep`. */
export async function pruneRotated(logPath: string, keep: number): Promise<void> {
  const prefix = `${basename(logPath)}.`;
  const dir = dirname(logPath);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort();
  const excess = names.slice(0, Math.max(0, names.length - keep));
  await Promise.all(excess.map((n) => unlink(join(dir, n)).catch(() => {})));
}
