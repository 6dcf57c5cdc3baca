import { spawn } from 'node:child_process';
import { helperSpawner } from './helper-spawner.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  /** The command's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Resolve with the exit code instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
  /** Kill the command (SIGKILL) after this long; it then counts as exit code 124. */
  timeoutMs?: number;
}

/** A failed helper command, with its output kept for the log and the pod's status message. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} exited ${code}: ${(stderr || stdout).trim().slice(0, 500)}`);
  }
}

/**
 * Runs a helper binary (runc, mount, ip, tar, a CNI plugin) without a shell and collects its output.
 * Rejects with CommandError on a non-zero exit unless allowFailure; rejects when it cannot start.
 * Started by the helper spawner (a small process: no fork of the agent) when there is one and the
 * input is small; directly otherwise.
 */
export function runCommand(file: string, args: string[], opts: RunCommandOptions = {}): Promise<CommandResult> {
  const spawner = helperSpawner();
  if (spawner && (opts.input ?? '').length < 60_000) return runThroughSpawner(file, args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] }); // no env: this process's
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    let timedOut = false;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const rc = timedOut ? 124 : (code ?? (signal ? 128 : 1));
      if (rc !== 0 && !opts.allowFailure) reject(new CommandError(`${file} ${args.join(' ')}`, rc, stdout, stderr));
      else resolve({ code: rc, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the command may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

function runThroughSpawner(file: string, args: string[], opts: RunCommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const helper = helperSpawner()?.start(
      { file, args, env: opts.env, input: opts.input ?? '', stdout: 'pipe', stderr: 'pipe' },
      {
        onStdout: (c) => out.push(c),
        onStderr: (c) => err.push(c),
        onExit: (code, signal, errno) => {
          if (timer) clearTimeout(timer);
          if (errno) {
            reject(
              Object.assign(new Error(`spawn ${file} failed: errno ${errno}`), {
                code: errno === 2 ? 'ENOENT' : errno === 13 ? 'EACCES' : 'EIO',
                errno: -errno,
                path: file,
              }),
            );
            return;
          }
          const stdout = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(err).toString('utf8');
          const rc = timedOut ? 124 : code >= 0 ? code : signal ? 128 : 1;
          if (rc !== 0 && !opts.allowFailure) reject(new CommandError(`${file} ${args.join(' ')}`, rc, stdout, stderr));
          else resolve({ code: rc, stdout, stderr });
        },
      },
    );
    if (opts.timeoutMs !== undefined)
      timer = setTimeout(() => {
        timedOut = true;
        helper?.kill('SIGKILL');
      }, opts.timeoutMs);
  });
}
