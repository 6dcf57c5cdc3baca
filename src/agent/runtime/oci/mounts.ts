import { readFile } from 'node:fs/promises';
import { runCommand } from '../run-command.js';

/** Mount points of this process's mount namespace (from /proc/self/mountinfo, octal escapes decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').filter(Boolean).map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/**
 * Makes `dir` a private bind mount of itself (once): namespace files can only be bind-mounted on a
 * mount that does not propagate (a shared one would loop the nsfs mount back into itself).
 */
export async function ensurePrivateMount(dir: string): Promise<void> {
  if (!(await mountPoints()).includes(dir)) await runCommand('mount', ['--bind', dir, dir]);
  await runCommand('mount', ['--make-private', dir]);
}

/** Unmounts `path` if it is a mount point (lazily when busy). Idempotent. */
export async function unmount(path: string): Promise<void> {
  const r = await runCommand('umount', [path], { allowFailure: true });
  if (r.code !== 0 && !/not mounted|no mount point|not found|No such file/.test(r.stderr)) {
    await runCommand('umount', ['-l', path], { allowFailure: true });
  }
}

/** Unmounts every mount at or under `dir`, deepest first (cleanup after tests and forced teardown). */
export async function unmountAllUnder(dir: string): Promise<void> {
  const under = (await mountPoints()).filter((m) => m === dir || m.startsWith(`${dir}/`));
  for (const m of [...new Set(under)].sort((a, b) => b.length - a.length)) await unmount(m);
}
