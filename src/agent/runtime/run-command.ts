import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve with the exit code instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
  /** Kill the command (SIGKILL) after this long; it then counts as exit code 124. */
  timeoutMs?: number;
}

/** A failed helper command, with its output kept for the log and the pod's status message. */
export class CommandError extends Error {
  constructor(readonly command: string, readonly code: number, readonly stdout: string, readonly stderr: string) {
    super(`${command} exited ${code}: ${(stderr || stdout).trim().slice(0, 500)}`);
  }
}

/**
 * Runs a helper binary (runc, mount, ip, tar, a CNI plugin) without a shell and collects its output.
 * Rejects with CommandError on a non-zero exit unless allowFailure; rejects when it cannot start.
 */
export function runCommand(file: string, args: string[], opts: RunCommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    let timedOut = false;
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const rc = timedOut ? 124 : code ?? (signal ? 128 : 1);
      if (rc !== 0 && !opts.allowFailure) reject(new CommandError(`${file} ${args.join(' ')}`, rc, stdout, stderr));
      else resolve({ code: rc, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the command may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}
