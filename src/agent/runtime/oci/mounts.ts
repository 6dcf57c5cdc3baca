import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runCommand } from '../../../machinery/exec/run-command.js';

/** Mount points of this process's mount namespace (from /proc/self/mountinfo, octal escapes decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) =>
      (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))),
    );
}

/**
 * Whether `path` is a mount point, by its device differing from its directory's (true for the nsfs
 * bind mounts of pinned namespaces and any mount of another file system; a bind mount from the same
 * file system is not seen). No /proc/self/mountinfo read: its cost grows with every pod's mounts, so
 * checking each pod that way is quadratic over a burst. false when it does not exist.
 */
export async function isMountedFromOtherDevice(path: string): Promise<boolean> {
  const [file, dir] = await Promise.all([
    stat(path).catch(() => undefined),
    stat(dirname(path)).catch(() => undefined),
  ]);
  return !!file && !!dir && file.dev !== dir.dev;
}

/**
 * Makes `dir` a private bind mount of itself (once): namespace files can only be bind-mounted on a
 * mount that does not propagate (a shared one would loop the nsfs mount back into itself).
 */
export async function ensurePrivateMount(dir: string): Promise<void> {
  if (!(await mountPoints()).includes(dir)) await runCommand('mount', ['--bind', dir, dir]);
  await runCommand('mount', ['--make-private', dir]);
}

/**
 * Unmounts each path that is a mount point (lazily when busy). Idempotent. One `umount` for all of
 * them (each umount process reads the whole mount table first); one at a time only after a failure.
 */
export async function unmount(...paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  if ((await runCommand('umount', paths, { allowFailure: true })).code === 0) return;
  for (const path of paths) {
    const r = await runCommand('umount', [path], { allowFailure: true });
    if (r.code !== 0 && !/not mounted|no mount point|not found|No such file/.test(r.stderr)) {
      await runCommand('umount', ['-l', path], { allowFailure: true });
    }
  }
}

/** Unmounts every mount at or under `dir`, deepest first (cleanup after tests and forced teardown). */
export async function unmountAllUnder(dir: string): Promise<void> {
  const under = (await mountPoints()).filter((m) => m === dir || m.startsWith(`${dir}/`));
  for (const m of [...new Set(under)].sort((a, b) => b.length - a.length)) await unmount(m);
}
