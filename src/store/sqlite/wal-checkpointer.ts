import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What `PRAGMA wal_checkpoint` answers: busy (0/1), WAL frames, frames copied into the database. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * WAL checkpoints on a worker thread with its own connection, so that the writer never stops for
 * one. With SQLite's automatic checkpoint (every 1,000 WAL pages, run inside the commit that crosses
 * it) the API server's main thread copied pages and fsynced the database file in the middle of
 * request handling, which showed as long stalls in the create latency's tail under concurrent
 * creates. A PASSIVE checkpoint never blocks the writer; the WAL starts over once one has copied
 * every frame. The store turns automatic checkpoints off and asks for one here every
 * few hundred writes.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private running?: Promise<CheckpointResult>;
  private next?: Promise<CheckpointResult>;
  private readonly answers: ((r: CheckpointResult | Error) => void)[] = [];
  private failed?: Error;

  constructor(path: string) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, module } });
    this.worker.on('message', (m: CheckpointResult | { error: string }) =>
      this.answers.shift()?.('error' in m ? new Error(m.error) : m),
    );
    const fail = (err: Error): void => {
      this.failed ??= err;
      for (const a of this.answers.splice(0)) a(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`WAL checkpoint worker exited with code ${code}`)));
    // An idle checkpointer does not keep the process alive.
    this.worker.unref();
  }

  /** True until the worker has failed (the store then falls back to SQLite's automatic checkpoints). */
  get healthy(): boolean {
    return this.failed === undefined;
  }

  /**
   * Asks for a checkpoint. Requests made while one runs share one more run after it. Resolves with
   * the result of a run that started after the request.
   */
  request(mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): Promise<CheckpointResult> {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.running) return this.start(mode);
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start(mode);
      });
    return this.next;
  }

  /** Stops the worker (its connection closes; the database stays as it is). */
  async close(): Promise<void> {
    await (this.next ?? this.running)?.catch(() => undefined);
    await this.worker.terminate();
  }

  private start(mode: string): Promise<CheckpointResult> {
    this.running = this.run(mode).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private run(mode: string): Promise<CheckpointResult> {
    return new Promise((resolve, reject) => {
      this.answers.push((r) => (r instanceof Error ? reject(r) : resolve(r)));
      this.worker.ref(); // an answer is awaited
      this.worker.postMessage(mode);
    }).finally(() => {
      if (this.answers.length === 0) this.worker.unref();
    }) as Promise<CheckpointResult>;
  }
}

/** The worker: opens the database and runs `PRAGMA wal_checkpoint(<mode>)` per message. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
parentPort.on('message', (mode) => {
  try {
    const [r] = db.pragma('wal_checkpoint(' + (mode === 'TRUNCATE' ? 'TRUNCATE' : 'PASSIVE') + ')');
    parentPort.postMessage({ busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;
