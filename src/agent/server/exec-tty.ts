/**
 * A pseudo-terminal for `kubectl exec -t` with the tools on every node. `runc exec -t` in the
 * foreground makes the container's pty itself and copies it to and from its own stdio, sizing it from
 * its stdin's terminal (at start and on SIGWINCH). (runc 1.1 accepts `--console-socket` only when
 * detached, and Node cannot receive the master fd anyway.) So runc runs under util-linux `script`,
 * whose pty is runc's stdin: `stty rows R cols C` there sets the first size; a resize is `stty -F`
 * on that pty, which makes the kernel signal SIGWINCH to runc, which resizes the container's pty.
 * `script -e` exits with runc's code, which is the process's.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';

export interface TtyProcess {
  proc: ChildProcess;
  resize(rows: number, cols: number): void;
}

/** Single-quotes a word for sh. Pure. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const validSize = (r: number, c: number): boolean =>
  Number.isInteger(r) && Number.isInteger(c) && r > 0 && c > 0 && r < 65536 && c < 65536;

/** Runs `runcArgv` (a `runc exec -t ...` command line) on a pty of rows x cols. */
export function spawnTty(runcArgv: string[], rows: number, cols: number): TtyProcess {
  const size = validSize(rows, cols) ? `stty rows ${rows} cols ${cols} 2>/dev/null; ` : '';
  const proc = spawn('script', ['-q', '-e', '-c', `${size}exec ${runcArgv.map(shellQuote).join(' ')}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let chain: Promise<unknown> = Promise.resolve();
  let pty: Promise<string | undefined> | undefined;
  // script's child (the shell that execs runc) has the pty slave as stdin
  const findPty = async (): Promise<string | undefined> => {
    const pid = proc.pid;
    if (!pid) return undefined;
    for (let i = 0; i < 40; i++) {
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      const child = children.trim().split(/\s+/)[0];
      const path = child ? await readlink(`/proc/${child}/fd/0`).catch(() => '') : '';
      if (path.startsWith('/dev/pts/')) return path;
      await new Promise((r) => setTimeout(r, 25));
    }
    return undefined;
  };
  return {
    proc,
    resize(r, c) {
      if (!validSize(r, c)) return;
      chain = chain.then(async () => {
        pty ??= findPty();
        const path = await pty;
        if (!path || proc.exitCode !== null) return;
        await new Promise<void>((resolve) =>
          execFile('stty', ['-F', path, 'rows', String(r), 'cols', String(c)], () => resolve()),
        );
      });
    },
  };
}
