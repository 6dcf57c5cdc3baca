import { backoffDelay, realTimers, type Timers } from '../client/backoff.js';

export interface WorkQueueOptions {
  /** First retry delay after a failure (default 5 ms), doubled per consecutive failure of a key. */
  baseDelayMs?: number;
  /** Retry delay cap (default 60 s). */
  maxDelayMs?: number;
  timers?: Timers;
}

/**
 * A de-duplicating, rate-limited work queue of string keys (client-go's workqueue semantics):
 * - a key added several times before a worker takes it is handed out once;
 * - a key is never handed to two workers at once: re-added while being processed, it is queued
 *   again only when the worker calls done(key);
 * - addRateLimited(key) re-adds after a per-key exponential backoff, forget(key) resets it;
 * - after shutDown(), get() returns undefined to every waiting and future caller.
 * Keys are handed out in FIFO order of their (first) add.
 */
export class WorkQueue<K extends string = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; handle: unknown }>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timers: Timers;

  constructor(opts: WorkQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.timers = opts.timers ?? realTimers;
  }

  /** Queues a key now (a no-op when it is already waiting, or after shutDown). */
  add(key: K): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Queues a key after `ms`; an earlier pending delayed add of the same key wins. */
  addAfter(key: K, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.timers.clearTimeout(pending.handle);
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Re-queues a key after its backoff (doubling with every call until forget). */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, backoffDelay(n, this.baseDelayMs, this.maxDelayMs));
  }

  /** Clears a key's failure count (call after it was processed successfully). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** How many times addRateLimited was called for the key since the last forget. */
  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process (marked as processing), waiting for one; undefined once shut down. */
  get(): Promise<K | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it was re-added meanwhile it is queued again now. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting to be handed out (not counting delayed or processing ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Whether a key is currently held by a worker. */
  isProcessing(key: K): boolean {
    return this.processing.has(key);
  }

  /** Stops the queue: pending delayed adds are dropped and every waiting get() resolves undefined. Idempotent. */
  shutDown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { handle } of this.delayed.values()) this.timers.clearTimeout(handle);
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get isShutDown(): boolean {
    return this.closed;
  }
}
