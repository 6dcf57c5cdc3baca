import { spawn } from 'node:child_process';
import { closeSync as closeFd, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { helperSpawner } from '../../../machinery/exec/helper-spawner.js';
import { inheritedEnv } from '../../../machinery/config/switches.js';

export interface ConmonOptions {
  conmon: string;
  runc: string;
  runcRoot: string;
  id: string;
  /** Short id for conmon's attach socket directory (keeps the socket path under 108 bytes). */
  shortId: string;
  bundle: string;
  logPath: string;
  exitDir: string;
  socketDir: string;
  /** `-i`: conmon holds a pipe as the container's stdin (open until the container exits). */
  stdin?: boolean;
  /** `-t`: conmon receives the container's console (config.json process.terminal must be true). */
  tty?: boolean;
  /** `--leave-stdin-open`: stdin stays open when an attached client leaves (spec.stdinOnce false). */
  leaveStdinOpen?: boolean;
}

/**
 * Starts `conmon`, which runs `runc create` for the bundle and stays as the container's monitor
 * (holds its stdio, writes the k8s-file log, writes the exit code to `<exitDir>/<id>`). conmon
 * daemonises and returns before runc has created the container, so a sync pipe (`_OCI_SYNCPIPE`,
 * an inherited fd) carries `{"data": pid}` once it has, or a negative value and a message on
 * failure, as podman and CRI-O read it. Resolves with the container's pid; the container is in
 * state `created` (start it with `runc start`). conmon runs in its own session, so it survives the agent.
 */
export function createWithConmon(given: ConmonOptions): Promise<number> {
  // Absolute paths, and conmon runs in the bundle: on a cgroup v1 OOM it also creates a file `oom`
  // in its working directory (besides the persist dir), which must not land wherever the agent runs.
  const o = {
    ...given,
    bundle: resolve(given.bundle),
    exitDir: resolve(given.exitDir),
    logPath: resolve(given.logPath),
    socketDir: resolve(given.socketDir),
    runcRoot: resolve(given.runcRoot),
  };
  const args = [
    '--api-version',
    '1',
    '-c',
    o.id,
    '-u',
    o.shortId,
    '-n',
    o.id,
    '-r',
    o.runc,
    '--runtime-arg',
    `--root=${o.runcRoot}`,
    '-b',
    o.bundle,
    '-p',
    `${o.bundle}/pidfile`,
    '-P',
    `${o.bundle}/conmon.pid`,
    '--persist-dir',
    o.bundle,
    '--exit-dir',
    o.exitDir,
    '-l',
    `k8s-file:${o.logPath}`,
    '--log-level',
    'error',
    '--socket-dir-path',
    o.socketDir,
    ...(o.stdin ? ['-i'] : []),
    ...(o.tty ? ['-t'] : []),
    ...(o.leaveStdinOpen ? ['--leave-stdin-open'] : []),
  ];
  // conmon's own stderr goes to a file (read on failure): a pipe would outlive us and could SIGPIPE it.
  const errPath = `${o.bundle}/conmon.stderr`;
  const env = inheritedEnv({ _OCI_SYNCPIPE: '3' });
  return new Promise((resolve, reject) => {
    const stderr = (): string => {
      try {
        return readFileSync(errPath, 'utf8')
          .replace(/.*oom_score_adj.*\n*/g, '')
          .trim();
      } catch {
        return '';
      }
    };
    let text = '';
    let settled = false;
    let closeSync = (): void => {};
    const finish = (err: Error | undefined, pid?: number): void => {
      if (settled) return;
      settled = true;
      closeSync();
      if (err) reject(err);
      else resolve(pid ?? -1);
    };
    const received = (c: string): void => {
      text += c;
      const m = /\{[^}]*\}/.exec(text);
      if (!m) return;
      const msg = JSON.parse(m[0]) as { data?: number; message?: string };
      if (typeof msg.data === 'number' && msg.data > 0) finish(undefined, msg.data);
      else finish(new Error(`runc create failed: ${(msg.message ?? stderr()).trim()}`));
    };
    const spawner = helperSpawner();
    if (spawner) {
      // conmon's first process exits once it has forked its monitor, which keeps the sync pipe:
      // the pipe's end (or its message) tells, not the exit.
      const h = spawner.start(
        { file: o.conmon, args, cwd: o.bundle, env, stderr: { file: errPath }, fd3: true, newSession: true },
        {
          onFd3: (c) => received(c.toString('utf8')),
          onExit: (_code, _signal, errno) =>
            finish(
              new Error(
                errno
                  ? `conmon could not start: errno ${errno}`
                  : `conmon exited before the container was created: ${stderr()}`,
              ),
            ),
        },
      );
      closeSync = () => h.detachPipes();
      return;
    }
    const errFd = openSync(errPath, 'w');
    const child = spawn(o.conmon, args, {
      cwd: o.bundle,
      stdio: ['ignore', 'ignore', errFd, 'pipe'],
      env,
      detached: true,
    });
    child.unref();
    closeFd(errFd);
    const sync = child.stdio[3] as Readable;
    closeSync = () => sync.destroy();
    sync.setEncoding('utf8');
    sync.on('data', received);
    sync.on('close', () => finish(new Error(`conmon exited before the container was created: ${stderr()}`)));
    child.on('error', (err) => finish(err));
  });
}

/**
 * Kills the conmon that watches container `id` (its pid from `<bundle>/conmon.pid`, checked against
 * the process' arguments), so it writes no exit file for a container about to be removed and made anew
 * under the same id. Nothing happens when that conmon is gone.
 */
export async function killConmon(bundle: string, id: string): Promise<void> {
  const pid = Number((await readFile(`${bundle}/conmon.pid`, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (!(argv[0] ?? '').endsWith('conmon') || !argv.includes(id)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
}
