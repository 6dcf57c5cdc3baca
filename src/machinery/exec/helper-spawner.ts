import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { HELPER_SPAWNER_SCRIPT } from './helper-spawner-script.js';
import { abSwitches } from '../config/switches.js';

/** How one helper command is started by the spawner. */
export interface SpawnRequest {
  file: string;
  args: string[];
  /** Working directory (default: the spawner's, i.e. the agent's at first use). */
  cwd?: string;
  /** The whole environment (default: the agent's environment when the spawner started). */
  env?: NodeJS.ProcessEnv;
  /** Bytes for stdin, then closed (small: < 64 KiB); undefined = /dev/null. */
  input?: string;
  /** stdout/stderr: collected through a pipe, discarded, or written to a file (created/truncated). */
  stdout?: 'pipe' | 'ignore' | { file: string };
  stderr?: 'pipe' | 'ignore' | { file: string };
  /** A pipe as fd 3 whose data is handed to onFd3 (conmon's sync pipe). */
  fd3?: boolean;
  /** Own session (setsid): the command outlives the agent and its terminal's signals. */
  newSession?: boolean;
}

/** Callbacks of one started command. exit: code (-1 when killed by a signal), signal number, exec errno (0 = it ran). */
export interface SpawnHandlers {
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  onFd3?: (chunk: Buffer) => void;
  onExit: (code: number, signal: number, errno: number) => void;
}

/** A command started through the spawner. */
export interface SpawnedHelper {
  /** Sends a signal (e.g. 'SIGKILL') to the command. */
  kill(signal: NodeJS.Signals): void;
  /** Stops forwarding its output (pipes closed in the spawner; a writer then gets EPIPE); onExit still comes. */
  detachPipes(): void;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2, SIGHUP: 1 };
const PERL = '/usr/bin/perl';
const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

/**
 * Starts the agent's helper commands (runc, conmon, unshare, mount, CNI plugins) from a small
 * long-lived Perl process instead of forking the agent: Node's spawn forks the whole agent on its
 * main thread and waits for the exec (longer the larger the agent's memory), and a pod start runs
 * several helpers — during a burst of pod starts those forks dominate the main thread and the
 * CPU's system time. The spawner forks a small process instead and reports output and exit over
 * its stdio (protocol in helper-spawner-script.ts). It is started on first use, holds the event loop
 * only while commands run, and exits with the agent (EOF on its stdin). If it dies, the next command
 * starts a new one; commands in flight then fail.
 */
export class HelperSpawner {
  private child?: ChildProcess;
  private readonly jobs = new Map<number, SpawnHandlers & { pid?: number }>();
  private nextId = 1;
  private buffered = '';

  /** Starts a command; handlers are called as its output and exit arrive. Throws when the spawner cannot start. */
  start(req: SpawnRequest, handlers: SpawnHandlers): SpawnedHelper {
    const child = this.ensureChild();
    const id = this.nextId++;
    this.jobs.set(id, handlers);
    if (this.jobs.size === 1) this.ref(true);
    const out = (s: SpawnRequest['stdout']): string =>
      s === 'pipe' ? 'p' : s === undefined || s === 'ignore' ? '-' : `f${hex(s.file)}`;
    const flags = `${req.newSession ? 's' : ''}${req.fd3 ? '3' : ''}` || '-';
    const env = req.env
      ? `x${hex(
          Object.entries(req.env)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k}=${v}`)
            .join('\0'),
        )}`
      : '-';
    const fields = [
      'R',
      String(id),
      flags,
      req.cwd ? hex(req.cwd) : '-',
      req.input === undefined ? '-' : `x${hex(req.input)}`,
      out(req.stdout),
      out(req.stderr),
      env,
      `x${hex(req.file)}`,
      ...req.args.map((a) => `x${hex(a)}`),
    ];
    child.stdin?.write(`${fields.join(' ')}\n`);
    return {
      kill: (signal) => child.stdin?.write(`K ${id} ${SIGNALS[signal] ?? 9}\n`),
      detachPipes: () => child.stdin?.write(`D ${id}\n`),
    };
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    // Own session: a terminal's Ctrl-C reaches the agent, which then still runs its clean-up helpers.
    const child = spawn(PERL, ['-e', HELPER_SPAWNER_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    this.child = child;
    child.stdout?.setEncoding('latin1').on('data', (c: string) => this.received(c));
    child.stdin?.on('error', () => {});
    child.on('error', () => this.lost(child));
    child.on('exit', () => this.lost(child));
    this.ref(false);
    return child;
  }

  /** The spawner died: its commands are reported as failed and the next start makes a new one. */
  private lost(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.buffered = '';
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const j of jobs) j.onExit(-1, 0, 5 /* EIO */);
  }

  /** Keeps the event loop alive only while commands are in flight. */
  private ref(on: boolean): void {
    const handles = [this.child, this.child?.stdout, this.child?.stdin] as (
      | { ref(): void; unref(): void }
      | null
      | undefined
    )[];
    for (const h of handles) {
      if (on) h?.ref();
      else h?.unref();
    }
  }

  private received(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const [op, idText, a = '', b = '', c = ''] = line.split(' ');
      const id = Number(idText);
      const job = this.jobs.get(id);
      if (!job) continue;
      if (op === '1') job.onStdout?.(Buffer.from(a, 'hex'));
      else if (op === '2') job.onStderr?.(Buffer.from(a, 'hex'));
      else if (op === '3') job.onFd3?.(Buffer.from(a, 'hex'));
      else if (op === 'P') job.pid = Number(a);
      else if (op === 'X') {
        this.jobs.delete(id);
        if (this.jobs.size === 0) this.ref(false);
        job.onExit(Number(a), Number(b), Number(c));
      }
    }
  }
}

let shared: HelperSpawner | undefined | null;

/**
 * The process-wide spawner, or undefined when helpers are spawned directly: no /usr/bin/perl, or
 * FLOTILLA_DIRECT_SPAWN=1 (for A/B measurements and as an escape hatch).
 */
export function helperSpawner(): HelperSpawner | undefined {
  if (shared === undefined) shared = abSwitches().directSpawn || !existsSync(PERL) ? null : new HelperSpawner();
  return shared ?? undefined;
}
