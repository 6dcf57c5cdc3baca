import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { Informer, InformerHandlers } from '../client/informer.js';
import { WorkQueue } from './work-queue.js';
import { keyOf, objectKey, parseKey, type ObjectKey } from '../client/object-key.js';

/** What a reconcile asks of the runner: nothing (done), or to look again after a delay. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/**
 * The whole controller contract: bring the world in line with the object named by `key`, reading
 * caches and writing through the client. Level-triggered and idempotent; a missing object means
 * done. Throw to retry with per-key backoff; throw a TerminalError to log and give up on the key.
 */
export type Reconcile = (key: ObjectKey) => Promise<ReconcileResult | void>;

/** A failure retrying cannot fix (e.g. an invalid object): logged, not retried. */
export class TerminalError extends Error {}

/**
 * Turns an object event into the keys to reconcile (default: the object's own key). keysFor is
 * method-typed so that a source of typed objects (EventSource<Pod objects>) fits in `sources`.
 */
export interface EventSource<T extends KubeObject = KubeObject> {
  informer: Informer<T>;
  keysFor?(obj: T): ObjectKey[];
}

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  sources: EventSource[];
  /**
   * Handlers that must see an event before it is queued (e.g. a controller's expectations, so a
   * reconcile triggered by a pod event already counts that pod). Removed at stop.
   */
  observers?: { informer: Informer; handlers: InformerHandlers<KubeObject> }[];
  log: Logger;
  /** Concurrent workers (default 2). One key is never reconciled by two workers at once. */
  workers?: number;
  queue?: WorkQueue;
}

export interface RunningController {
  readonly queue: WorkQueue;
  /** Stops handing out keys and waits for running reconciles to finish. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Wires informers -> key handlers -> queue -> N workers -> reconcile. Starts the informers (a
 * no-op for running ones), waits for their first list, then starts the workers.
 */
export async function runController(opts: ControllerOptions): Promise<RunningController> {
  const queue = opts.queue ?? new WorkQueue();
  const log = opts.log.child({ controller: opts.name });
  const unsubscribe: (() => void)[] = [];
  for (const o of opts.observers ?? []) unsubscribe.push(o.informer.addHandlers(o.handlers));
  for (const src of opts.sources) {
    const enqueue = (obj: KubeObject) => {
      for (const k of src.keysFor ? src.keysFor(obj) : [parseKey(objectKey(obj))])
        queue.add(keyOf(k.namespace, k.name));
    };
    unsubscribe.push(
      src.informer.addHandlers({ onAdd: enqueue, onUpdate: (_old, obj) => enqueue(obj), onDelete: enqueue }),
    );
    src.informer.start();
  }
  await Promise.all(opts.sources.map((s) => s.informer.waitForSync()));
  const workers = runWorkers(queue, opts.workers ?? 2, log, async (key) => {
    const result = await opts.reconcile(parseKey(key));
    return result ?? undefined;
  });
  let stopping: Promise<void> | undefined;
  return {
    queue,
    stop() {
      stopping ??= (async () => {
        for (const u of unsubscribe) u();
        queue.shutDown();
        await workers;
      })();
      return stopping;
    },
  };
}

/**
 * Runs `count` workers taking keys from the queue until it shuts down. After `handle(key)`:
 * a result with requeueAfterMs re-adds the key after that delay; a throw re-adds it with backoff
 * (a TerminalError only logs); either way done(key) is called. Resolves when all workers exit.
 */
export function runWorkers(
  queue: WorkQueue,
  count: number,
  log: Logger,
  handle: (key: string) => Promise<ReconcileResult | undefined>,
): Promise<void> {
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await handle(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof TerminalError) {
          queue.forget(key);
          log.error({ key, err: message }, 'reconcile failed permanently');
        } else {
          log.warn({ key, err: message, retries: queue.numRequeues(key) }, 'reconcile failed; retrying');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  return Promise.all(Array.from({ length: Math.max(1, count) }, worker)).then(() => undefined);
}
