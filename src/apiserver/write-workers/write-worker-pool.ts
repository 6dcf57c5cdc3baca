import { Worker } from 'node:worker_threads';
import { ApiError } from '../../api/errors.js';
import type { CreateJob, CreateOutcome, WriteWorkerConfig } from './protocol.js';

export interface WriteWorkerPoolOptions {
  /** Threads in the pool (≥ 1). */
  size: number;
  config: WriteWorkerConfig;
  /** Starts one worker (tests inject a failing one). Default: write-worker.js with `config` as workerData. */
  spawn?: (config: WriteWorkerConfig) => Worker;
  /** Told when a worker dies unexpectedly (its in-flight jobs are answered 503 and it is replaced). */
  onCrash?: (err: unknown) => void;
  /** Wait before replacing a dead worker (default 100 ms: a worker that dies at start must not spin). */
  respawnDelayMs?: number;
}

/** A slot whose workers died this many times in a row without answering anything is given up (its jobs take the main-thread path). */
const MAX_FAILED_STARTS = 3;

type Pending = { resolve: (o: CreateOutcome) => void; reject: (e: unknown) => void };

interface Slot {
  worker?: Worker;
  /** Jobs sent and not yet answered, by id. */
  inFlight: Map<number, Pending>;
  /** Jobs waiting for this turn's batch. */
  queue: CreateJob[];
  /** Workers of this slot that died in a row before answering a batch. */
  failedStarts: number;
}

/**
 * Worker threads that prepare creates (see prepare-create.ts). Jobs sent in one event-loop turn go
 * to a worker as one message and come back as one, so the main thread pays one message per batch
 * and the store's group commit sees the whole batch in one turn. Jobs go to the least busy worker.
 * A worker that dies has its in-flight jobs answered 503 ServiceUnavailable and is replaced.
 */
export class WriteWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly options: WriteWorkerPoolOptions) {
    for (let i = 0; i < Math.max(1, options.size); i++) {
      const slot: Slot = { inFlight: new Map(), queue: [], failedStarts: 0 };
      this.slots.push(slot);
      this.start(slot);
    }
  }

  /** True while at least one worker is running (callers take the main-thread path otherwise). */
  get available(): boolean {
    return !this.closed && this.slots.some((s) => s.worker !== undefined);
  }

  /** The running workers' thread ids (tests). */
  get threadIds(): number[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker.threadId] : []));
  }

  /**
   * Sends one create to a worker. `job.body` must own its ArrayBuffer (it is transferred).
   * Resolves with the worker's outcome; rejects with a 503 ApiError when the worker dies first.
   */
  prepare(job: Omit<CreateJob, 'id'>): Promise<CreateOutcome> {
    const slot = this.leastBusy();
    if (!slot?.worker) return Promise.reject(unavailable('no write worker is running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.inFlight.set(id, { resolve, reject });
      slot.queue.push({ ...job, id });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Stops every worker; jobs still in flight are answered 503. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map(async (slot) => {
      const w = slot.worker;
      slot.worker = undefined;
      this.failAll(slot, unavailable('the server is shutting down'));
      await w?.terminate();
    }));
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.worker && (!best || s.inFlight.size < best.inFlight.size)) best = s;
    return best;
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const slot of this.slots) {
      if (slot.queue.length === 0) continue;
      const jobs = slot.queue;
      slot.queue = [];
      if (!slot.worker) continue; // died since: failAll answered these
      slot.worker.ref(); // answers are awaited: keep the process alive until they come
      slot.worker.postMessage(jobs, jobs.map((j) => j.body.buffer as ArrayBuffer));
    }
  }

  private start(slot: Slot): void {
    if (this.closed) return;
    const worker = (this.options.spawn ?? spawnWriteWorker)(this.options.config);
    slot.worker = worker;
    // An idle pool must not keep the process alive.
    worker.unref();
    worker.on('message', (outcomes: CreateOutcome[]) => {
      slot.failedStarts = 0;
      for (const o of outcomes) {
        const p = slot.inFlight.get(o.id);
        if (!p) continue;
        slot.inFlight.delete(o.id);
        p.resolve(o);
      }
      if (slot.inFlight.size === 0) worker.unref();
    });
    const died = (err: unknown) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      this.failAll(slot, unavailable('a write worker stopped; retry the request'));
      if (this.closed) return;
      this.options.onCrash?.(err);
      if (++slot.failedStarts >= MAX_FAILED_STARTS) return;
      setTimeout(() => this.start(slot), this.options.respawnDelayMs ?? 100).unref();
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`write worker exited with code ${code}`)));
  }

  private failAll(slot: Slot, err: ApiError): void {
    slot.queue = [];
    const pending = [...slot.inFlight.values()];
    slot.inFlight.clear();
    for (const p of pending) p.reject(err);
  }
}

function unavailable(message: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message);
}

/**
 * The worker entry beside this module. Compiled, it is write-worker.js. From the sources (tsx),
 * a worker does not inherit the main thread's loader hooks: it registers tsx itself first.
 */
export function spawnWriteWorker(config: WriteWorkerConfig): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./write-worker.js', import.meta.url), { workerData: config });
  const entry = JSON.stringify(new URL('./write-worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${entry}); })`, { eval: true, workerData: config });
}
