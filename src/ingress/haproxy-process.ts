import { spawn, type ChildProcess } from 'node:child_process';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { runCommand } from '../machinery/exec/run-command.js';

/**
 * One HAProxy in master-worker mode, a child of this process:
 *
 *   haproxy -W -db -f haproxy.cfg        master (ours to signal) --> one worker serving traffic
 *   stats socket (expose-fd listeners)   the worker's runtime API: servers, weights, show info
 *
 * A reload (SIGUSR2 to the master) starts a new worker that takes the listening sockets over from
 * the old one through the stats socket (expose-fd listeners: no port is ever closed, no connection
 * refused), while the old worker finishes the requests it has (soft stop, hard-stop-after at most).
 */
export interface HaproxyProcess {
  /** Runs runtime API commands in one connection; resolves with the output. Rejects when the socket fails. */
  command(cmds: string[]): Promise<string>;
  /** Checks the config file (`haproxy -c`), then reloads and resolves once the new worker answers. Rejects on a bad config (the old worker keeps serving). */
  reload(): Promise<void>;
  /** The serving worker's pid (`show info`). */
  workerPid(): Promise<number>;
  /** Resolves when the master exits (an unexpected exit is logged by the caller). */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Stops the master and its workers (SIGTERM: connections close). Idempotent. */
  stop(): Promise<void>;
}

export interface StartHaproxyOptions {
  /** The haproxy binary (default `haproxy` from PATH). */
  binary?: string;
  configFile: string;
  /** The stats socket path the config declares. */
  socket: string;
  /** Directory for the master's pid file (a leftover master of a crashed agent is stopped first). */
  dir: string;
  log: Logger;
  /** Stop HAProxy when this process dies, even by SIGKILL (default true; needs util-linux setpriv). */
  dieWithParent?: boolean;
  /** How long to wait for the first worker (default 10 s). */
  startTimeoutMs?: number;
}

const PID_FILE = 'haproxy-master.pid';
const SETPRIV = '/usr/bin/setpriv';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `cmds` (`;`-separated, one non-interactive session) to a HAProxy stats socket. */
export function runtimeCommand(socket: string, cmds: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let out = '';
    const timer = setTimeout(
      () => conn.destroy(new Error(`haproxy runtime API: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.end(`${cmds.join(';')}\n`));
    conn.on('data', (d: string) => {
      out += d;
    });
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    conn.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

const pidOf = (info: string): number => Number(/^Pid: (\d+)$/m.exec(info)?.[1] ?? 0);

/**
 * Stops a master a previous run left behind: the pid file in `dir` names a live haproxy using
 * `configFile`. Resolves true when it stopped one. Idempotent.
 */
export async function stopLeftoverHaproxy(dir: string, configFile: string, log: Logger): Promise<boolean> {
  const pidFile = join(dir, PID_FILE);
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!pid) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('haproxy') || !cmdline.includes(configFile)) return false;
  log.info({ pid }, 'stopping the HAProxy a previous run left');
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  for (let i = 0; i < 100; i++) {
    if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))) break;
    await sleep(50);
    if (i === 99) process.kill(pid, 'SIGKILL');
  }
  await rm(pidFile, { force: true });
  return true;
}

/** Starts HAProxy on `configFile`; resolves once its worker answers on the stats socket. */
export async function startHaproxy(o: StartHaproxyOptions): Promise<HaproxyProcess> {
  const binary = o.binary ?? 'haproxy';
  const pidFile = join(o.dir, PID_FILE);
  await stopLeftoverHaproxy(o.dir, o.configFile, o.log);
  await rm(o.socket, { force: true });
  const args = ['-W', '-db', '-f', o.configFile];
  // setpriv --pdeathsig: the master gets SIGTERM when this process dies (kill -9 included), so no
  // orphan keeps the node's ports; the next agent starts its own anyway. Without setpriv: plain spawn.
  const dieWithParent =
    (o.dieWithParent ?? true) &&
    (await access(SETPRIV).then(
      () => true,
      () => false,
    ));
  const child: ChildProcess = dieWithParent
    ? spawn(SETPRIV, ['--pdeathsig', 'TERM', binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
    for (const line of d.split('\n').filter(Boolean)) o.log.debug({ haproxy: line }, 'haproxy');
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (err) => {
      stderr += String(err);
      resolve({ code: -1, signal: null });
    });
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  if (child.pid) await writeFile(pidFile, `${child.pid}\n`);

  const workerPid = async () => pidOf(await runtimeCommand(o.socket, ['show info']));
  const waitForWorker = async (notPid: number, timeoutMs: number): Promise<number> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (gone) throw new Error(`haproxy exited: ${stderr.trim()}`);
      const pid = await workerPid().catch(() => 0);
      if (pid && pid !== notPid) return pid;
      if (Date.now() > end) throw new Error(`haproxy: no new worker in ${timeoutMs} ms: ${stderr.trim()}`);
      await sleep(25);
    }
  };
  try {
    await waitForWorker(0, o.startTimeoutMs ?? 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    command: (cmds) => runtimeCommand(o.socket, cmds),
    workerPid,
    exited,
    async reload() {
      const check = await runCommand(binary, ['-c', '-q', '-f', o.configFile], { allowFailure: true });
      if (check.code !== 0) throw new Error(`haproxy config rejected: ${(check.stderr || check.stdout).trim()}`);
      const old = await workerPid().catch(() => 0);
      if (gone || !child.pid) throw new Error('haproxy is not running');
      process.kill(child.pid, 'SIGUSR2');
      await waitForWorker(old, 10_000);
    },
    stop() {
      stopping ??= (async () => {
        if (!gone) child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
        await rm(pidFile, { force: true });
      })();
      return stopping;
    },
  };
}
