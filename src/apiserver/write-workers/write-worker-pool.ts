import { Worker } from 'node:worker_threads';
import { ApiError } from '../../api/errors.js';
import type { CreateInput, CreateOutcome } from '../rest/prepare-create.js';
import type { CreatePreparer } from '../rest/rest-context.js';
import { WORKER_READY, type CreateJob, type WireOutcome, type WriteWorkerConfig } from './protocol.js';
import { outcomeOf } from './run-job.js';

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
  /**
   * A worker without jobs for this long is stopped (default 30 s) and started again by the next
   * create: an idle server does not keep a second heap and its garbage resident.
   */
  idleStopMs?: number;
  now?: () => number;
}

/** A slot whose workers died this many times in a row without answering anything is given up (its jobs take the main-thread path). */
const MAX_FAILED_STARTS = 3;

/**
 * A small young generation: a worker's garbage is per-request and short-lived, and a large nursery
 * only keeps more of it resident; a smaller one than this costs the worker more CPU per create.
 */
const YOUNG_GENERATION_MB = 16;

type Pending = { resolve: (o: WireOutcome) => void; reject: (e: unknown) => void };

interface Slot {
  worker?: Worker;
  /** True once the worker has loaded its modules (it says WORKER_READY): jobs go only to online workers (the main thread serves creates meanwhile). */
  online: boolean;
  /** Jobs sent and not yet answered, by id. */
  inFlight: Map<number, Pending>;
  /** Jobs waiting for this turn's batch. */
  queue: CreateJob[];
  /** Workers of this slot that died in a row before answering a batch. */
  failedStarts: number;
  givenUp: boolean;
  lastUsed: number;
}

/**
 * Worker threads that prepare creates (see prepare-create.ts). Jobs sent in one event-loop turn go
 * to a worker as one message; it answers a few at a time. Jobs go to the least busy online worker.
 * Workers start on the first create (and again after an idle stop); until one is online, callers
 * take the main-thread path. A worker that dies has its in-flight jobs answered 503
 * ServiceUnavailable and is replaced.
 */
export class WriteWorkerPool implements CreatePreparer {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private flushScheduled = false;
  private closed = false;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: WriteWorkerPoolOptions) {
    this.now = options.now ?? Date.now;
    for (let i = 0; i < Math.max(1, options.size); i++) {
      this.slots.push({ online: false, inFlight: new Map(), queue: [], failedStarts: 0, givenUp: false, lastUsed: 0 });
    }
    const idleStopMs = options.idleStopMs ?? 30_000;
    this.idleTimer = setInterval(() => this.stopIdle(idleStopMs), Math.max(10, idleStopMs / 3));
    this.idleTimer.unref();
  }

  /**
   * True when a worker can take a create now. Otherwise starts the pool's workers (unless closed or
   * given up) and returns false: the caller serves this create on the main thread.
   */
  ready(): boolean {
    if (this.closed) return false;
    let ready = false;
    for (const s of this.slots) {
      if (s.online) ready = true;
      else if (!s.worker && !s.givenUp) this.start(s);
    }
    return ready;
  }

  /** The running workers' thread ids (tests). */
  get threadIds(): number[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker.threadId] : []));
  }

  /**
   * Sends one create to an online worker. `job.body` must own its ArrayBuffer (it is transferred).
   * Resolves with the worker's outcome; rejects with a 503 ApiError when none is online or the
   * worker dies first.
   */
  prepare(job: Omit<CreateJob, 'id'>): Promise<WireOutcome> {
    const slot = this.leastBusy();
    if (!slot?.worker) return Promise.reject(unavailable('no write worker is running'));
    const id = this.nextId++;
    slot.lastUsed = this.now();
    return new Promise((resolve, reject) => {
      slot.inFlight.set(id, { resolve, reject });
      slot.queue.push({ ...job, id });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * CreatePreparer: prepareCreateFromBody's outcome, computed by a worker. The body is copied (its
   * memory may be a slice of a shared read buffer; the worker gets its own). Rejects with a 503
   * ApiError as prepare does.
   */
  async prepareCreate(input: CreateInput, body: Uint8Array, contentType: string | undefined): Promise<CreateOutcome> {
    const { rt } = input;
    const wire = await this.prepare({
      body: new Uint8Array(body),
      contentType,
      group: rt.group,
      version: rt.version,
      resource: rt.plural,
      namespace: input.namespace,
      name: input.name,
      opts: input.opts,
      nowMs: input.now.getTime(),
    });
    return outcomeOf(wire);
  }

  /** Stops every worker; jobs still in flight are answered 503. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.idleTimer);
    await Promise.all(this.slots.map((slot) => this.stop(slot, 'the server is shutting down')));
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.online && (!best || s.inFlight.size < best.inFlight.size)) best = s;
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
      slot.worker.postMessage(
        jobs,
        jobs.map((j) => j.body.buffer as ArrayBuffer),
      );
    }
  }

  private stopIdle(idleStopMs: number): void {
    const now = this.now();
    for (const s of this.slots) {
      if (s.online && s.inFlight.size === 0 && s.queue.length === 0 && now - s.lastUsed >= idleStopMs)
        void this.stop(s, 'idle');
    }
  }

  /** Stops a slot's worker on purpose (not a crash: it is not replaced until needed). */
  private async stop(slot: Slot, why: string): Promise<void> {
    const w = slot.worker;
    slot.worker = undefined;
    slot.online = false;
    this.failAll(slot, unavailable(why === 'idle' ? 'a write worker stopped; retry the request' : why));
    // An unref'd worker's exit does not keep the loop alive: terminate() could then never resolve.
    w?.ref();
    await w?.terminate();
  }

  private start(slot: Slot): void {
    if (this.closed) return;
    const worker = (this.options.spawn ?? spawnWriteWorker)(this.options.config);
    slot.worker = worker;
    slot.online = false;
    slot.lastUsed = this.now();
    // An idle pool must not keep the process alive.
    worker.unref();
    worker.on('message', (outcomes: WireOutcome[] | typeof WORKER_READY) => {
      if (outcomes === WORKER_READY) {
        if (slot.worker === worker) slot.online = true;
        return;
      }
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
      if (slot.worker !== worker) return; // stopped on purpose
      slot.worker = undefined;
      slot.online = false;
      this.failAll(slot, unavailable('a write worker stopped; retry the request'));
      if (this.closed) return;
      this.options.onCrash?.(err);
      if (++slot.failedStarts >= MAX_FAILED_STARTS) {
        slot.givenUp = true;
        return;
      }
      setTimeout(() => {
        if (!slot.worker && !this.closed) this.start(slot);
      }, this.options.respawnDelayMs ?? 100).unref();
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
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./write-worker.js', import.meta.url), { workerData: config, resourceLimits });
  const entry = JSON.stringify(new URL('./write-worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${entry}); })`, {
    eval: true,
    workerData: config,
    resourceLimits,
  });
}
