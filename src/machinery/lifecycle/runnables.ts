import type { Logger } from 'pino';

/** Something started that can be stopped again. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** A named part of a process: start() resolves once it runs; undefined means nothing to stop. */
export interface Runnable<S extends Stoppable | undefined = Stoppable | undefined> {
  name: string;
  start(): Promise<S> | S;
}

/** start() on a list that is stopping: the runnable did not start, or was stopped again at once. */
export class RunnablesStoppedError extends Error {
  readonly code = 'RunnablesStopped';
  constructor(readonly runnable: string) {
    super(`${runnable}: not started, the process is stopping`);
  }
}

export interface RunnablesOptions {
  /** Where stop failures are reported (they do not stop the rest from stopping). Default: nowhere. */
  log?: Pick<Logger, 'error'>;
}

/**
 * The composition root's one list of parts (controller-runtime's Manager is the model): each part
 * is started in order with start(name, fn), which resolves to what fn started so later parts can
 * use it; stop() stops them in reverse order. When a start throws, everything started before it is
 * stopped (reverse order) and start() rethrows, so a root never lists its teardown twice.
 *
 * Starts may overlap (Promise.all over several start() calls): each joins the list when it
 * resolves, and is stopped at once if stop() began meanwhile.
 */
export class Runnables implements Stoppable {
  private readonly started: { name: string; stop: () => Promise<void> | void }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: RunnablesOptions = {}) {}

  /**
   * Starts one part and appends it to the list; resolves to what fn returned. The part is stopped
   * by its own stop(), or by `stop` when given (for parts that close() or stop through another
   * object). When fn throws, the parts already started are stopped and fn's error is rethrown as it
   * is. Rejects with RunnablesStoppedError when stop() was called before or while fn ran (fn's part
   * is then stopped at once).
   */
  async start<S extends Stoppable | undefined>(name: string, fn: () => Promise<S> | S): Promise<S>;
  async start<T>(name: string, fn: () => Promise<T> | T, stop: (part: T) => Promise<void> | void): Promise<T>;
  async start<T>(name: string, fn: () => Promise<T> | T, stop?: (part: T) => Promise<void> | void): Promise<T> {
    if (this.stopping) throw new RunnablesStoppedError(name);
    let part: T;
    try {
      part = await fn();
    } catch (err) {
      await this.stop().catch(() => {});
      throw err;
    }
    const stopPart = stop
      ? () => stop(part)
      : (part as Stoppable | undefined)
        ? () => (part as Stoppable).stop()
        : undefined;
    if (this.stopping) {
      try {
        await stopPart?.();
      } catch (err) {
        this.o.log?.error({ err, runnable: name }, 'stopping failed');
      }
      throw new RunnablesStoppedError(name);
    }
    if (stopPart) this.started.push({ name, stop: stopPart });
    return part;
  }

  /** Starts the runnables one after the other (see start()). */
  async startAll(list: Runnable[]): Promise<void> {
    for (const r of list) await this.start(r.name, () => r.start());
  }

  /**
   * Stops the started parts in reverse order, each after the one started after it has stopped. A
   * part that fails to stop is logged and the rest still stop; the first failure is then thrown.
   * Idempotent: later calls return the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      let first: unknown;
      for (const { name, stop } of [...this.started].reverse()) {
        try {
          await stop();
        } catch (err) {
          this.o.log?.error({ err, runnable: name }, 'stopping failed');
          first ??= err;
        }
      }
      if (first !== undefined) throw first;
    })();
    return this.stopping;
  }

  /** Names of the started parts that have something to stop, in start order (for logs and tests). */
  names(): string[] {
    return this.started.map((s) => s.name);
  }
}

/**
 * Builds a composition root on a fresh list: build() starts the parts with parts.start(); when
 * build throws (a part's start or any code between), the parts started are stopped in reverse
 * order and the error is rethrown. Resolves to build's value, which usually hands out
 * `stop: () => parts.stop()`.
 */
export async function compose<T>(o: RunnablesOptions, build: (parts: Runnables) => Promise<T>): Promise<T> {
  const parts = new Runnables(o);
  try {
    return await build(parts);
  } catch (err) {
    await parts.stop().catch(() => {});
    throw err;
  }
}

/**
 * A part whose start runs in the background (the caller does not wait for it): returns at once a
 * Stoppable that, when stopped, waits for the start and stops what it started. A failed start is
 * passed to onError and leaves nothing to stop.
 */
export function inBackground(starting: Promise<Stoppable | undefined>, onError: (err: unknown) => void): Stoppable {
  const part = starting.catch((err: unknown) => {
    onError(err);
    return undefined;
  });
  return { stop: async () => (await part)?.stop() };
}

/**
 * A part that may fail without failing its root: the error goes to onError and the result is
 * undefined (the caller runs without it). For optional node services such as the service proxy.
 */
export async function optional<S>(start: () => Promise<S>, onError: (err: unknown) => void): Promise<S | undefined> {
  try {
    return await start();
  } catch (err) {
    onError(err);
    return undefined;
  }
}

/** A Stoppable from a synchronous or asynchronous stop function. */
export function stoppable(stop: () => void | Promise<void>): Stoppable {
  return { stop: async () => stop() };
}
