import { chmod, lchown, lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Group read-write for writable volumes, group read for read-only ones; directories also get x and setgid. */
const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

/**
 * Whether a volume's root needs its ownership changed under fsGroupChangePolicy OnRootMismatch
 * (the kubelet's requiresPermissionChange): its group is not fsGroup, it is not a directory, it
 * lacks the group bits of the mask, or it lacks setgid. Missing → true.
 */
export async function requiresOwnershipChange(dir: string, fsGroup: number, readOnly: boolean): Promise<boolean> {
  const st = await stat(dir).catch(() => undefined);
  if (!st || st.gid !== fsGroup || !st.isDirectory()) return true;
  const want = (readOnly ? RO_MASK : RW_MASK) | EXEC_MASK;
  return (st.mode & want) !== want || (st.mode & SETGID) === 0;
}

/**
 * The kubelet's SetVolumeOwnership: every file and directory under `dir` (itself included, symlinks
 * not followed) gets group fsGroup and the group bits of the mask (rw, or r for a read-only volume),
 * directories also x and setgid, so files created later inherit the group. With policy
 * OnRootMismatch nothing is done when the root already looks right. Idempotent.
 */
export async function setVolumeOwnership(
  dir: string,
  fsGroup: number,
  readOnly: boolean,
  policy: string | undefined,
): Promise<void> {
  if (policy === 'OnRootMismatch' && !(await requiresOwnershipChange(dir, fsGroup, readOnly))) return;
  const mask = readOnly ? RO_MASK : RW_MASK;
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p).catch(() => undefined);
    if (!st) return;
    await lchown(p, -1, fsGroup);
    if (st.isSymbolicLink()) return;
    const dirMask = st.isDirectory() ? SETGID | EXEC_MASK : 0;
    await chmod(p, (st.mode & 0o7777) | mask | dirMask);
    if (st.isDirectory()) for (const e of await readdir(p).catch(() => [] as string[])) await walk(join(p, e));
  };
  await walk(dir);
}
