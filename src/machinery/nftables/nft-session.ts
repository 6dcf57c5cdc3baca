import { spawn, type ChildProcess } from 'node:child_process';

export interface NftSessionOptions {
  /** How to run nft (default ['nft']); e.g. ['nsenter', '--net=/run/netns/x', 'nft']. `-i` is appended. */
  command?: string[];
  /** A script not applied within this long kills the process and fails (default 30 s). */
  timeoutMs?: number;
  /**
   * After this long without a script the process ends (default 60 s; 0 = never): nft keeps a cache
   * of the table, which grows with the table's size, so an idle node gives that memory back; the
   * next script starts a new process.
   */
  idleCloseMs?: number;
}

/**
 * One long-lived `nft -i` process applying scripts, each as one transaction. Starting nft for
 * every sync costs far more than the change itself on a loaded machine.
 *
 * nft -i runs each input line as one batch (all or nothing), so a script is sent as one line, its
 * commands joined with `;` (nft's command separator; also valid inside blocks). On success nft
 * prints nothing, so each script is followed by a marker line that is a syntax error: its error
 * on stderr, in order after any error of the script, says the script is done. Scripts are applied
 * one at a time. A dead or stuck process is replaced on the next apply.
 */
export class NftSession {
  private proc?: ChildProcess;
  private stderr = '';
  private seq = 0;
  private onStderr?: () => void;
  private onExit?: (err: Error) => void;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private inFlight = 0;
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly opts: NftSessionOptions = {}) {}

  /** The running nft's process id (undefined: none running now). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Applies an `nft -f` style script (newline-separated commands, blocks allowed); rejects with nft's error. '' does nothing. */
  apply(script: string): Promise<void> {
    this.inFlight++;
    clearTimeout(this.idleTimer);
    const run = this.queue
      .then(() => this.applyNow(script))
      .finally(() => {
        if (--this.inFlight === 0) this.armIdleClose();
      });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Ends the process (after the scripts already queued). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.queue;
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('close', () => resolve()));
    p.stdin?.end();
    const timer = setTimeout(() => p.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private armIdleClose(): void {
    const ms = this.opts.idleCloseMs ?? 60000;
    if (ms <= 0 || this.closed) return;
    this.idleTimer = setTimeout(() => {
      const p = this.proc;
      if (this.inFlight > 0 || !p) return;
      this.proc = undefined;
      p.stdin?.end(); // nft -i exits at end of input
    }, ms);
    this.idleTimer.unref();
  }

  private async applyNow(script: string): Promise<void> {
    const line = script
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join('; ');
    if (!line) return;
    if (this.closed) throw new Error('nft session closed');
    const proc = this.start();
    const marker = `flotilla-sync-${++this.seq}`;
    // The marker's error: "Error: syntax error ...", the marker line, a caret line.
    const done = new RegExp(`(^|\\n)Error: [^\\n]*\\n${marker}\\n[^\\n]*\\n`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        finish(new Error(`nft did not answer within ${this.opts.timeoutMs ?? 30000} ms`));
        proc.kill('SIGKILL');
      }, this.opts.timeoutMs ?? 30000);
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.onStderr = undefined;
        this.onExit = undefined;
        if (err) reject(err);
        else resolve();
      };
      this.onExit = finish;
      this.onStderr = () => {
        const m = done.exec(this.stderr);
        if (!m) return;
        const errors = this.stderr.slice(0, m.index).trim();
        this.stderr = this.stderr.slice(m.index + m[0].length);
        finish(/Error:/.test(errors) ? new Error(`nft: ${errors.slice(0, 2000)}`) : undefined);
      };
      proc.stdin?.write(`${line}\n${marker}\n`);
    });
  }

  private start(): ChildProcess {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) return this.proc;
    const [file = 'nft', ...args] = this.opts.command ?? ['nft'];
    const p = spawn(file, [...args, '-i'], { stdio: ['pipe', 'ignore', 'pipe'] });
    this.proc = p;
    this.stderr = '';
    p.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.onStderr?.();
    });
    p.stdin?.on('error', () => undefined); // EPIPE when nft died: reported by 'close'
    p.on('error', (err) => this.onExit?.(err));
    p.on('close', (code, signal) => {
      if (this.proc === p) this.proc = undefined;
      this.onExit?.(new Error(`nft -i exited (${signal ?? code})`));
    });
    return p;
  }
}
