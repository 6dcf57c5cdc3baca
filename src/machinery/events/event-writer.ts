import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from '../client/client-error.js';
import type { KubeClient } from '../client/kube-client.js';
import type { EventRepeatPatch } from './event-correlator.js';
import { EVENTS } from '../resources/well-known.js';

export { EVENTS };

export interface EventWriterOptions {
  client: KubeClient;
  log: Logger;
  /** Writes waiting beyond this many are dropped and counted in `dropped` (1000, as client-go's broadcaster queue). */
  maxQueued?: number;
  /** Writes in flight at once (4): events must not crowd out the caller's own requests. */
  concurrency?: number;
}

/** One Event to create, or to patch (and create if it is gone). */
export interface EventWrite {
  event: CoreEvent;
  patch?: EventRepeatPatch;
}

/** Counters of an EventWriter since it was made. */
export interface EventWriterStats {
  /** Writes refused because the queue was full. */
  dropped: number;
  /** Writes the API server refused or that failed on the way (logged at debug). */
  failed: number;
}

/**
 * Writes Events through the client in the background, as client-go's broadcaster does for its
 * sink. add() returns at once and never throws. Writes of one Event (by name) are sent one after
 * another, so a patch never overtakes the create of the same Event; a later write of an Event whose
 * write still waits replaces it (a create becomes a create with the higher count), so a burst of
 * repeats costs one request. A patch of an Event that no longer exists creates it again.
 */
export class EventWriter {
  readonly stats: EventWriterStats = { dropped: 0, failed: 0 };
  private readonly queue: EventWrite[] = [];
  /** Queued (not yet sent) writes by `namespace/name`. */
  private readonly waiting = new Map<string, EventWrite>();
  /** Names with a write in flight. */
  private readonly busy = new Set<string>();
  private idleWaiters: (() => void)[] = [];
  private readonly maxQueued: number;
  private readonly concurrency: number;

  constructor(private readonly o: EventWriterOptions) {
    this.maxQueued = o.maxQueued ?? 1000;
    this.concurrency = o.concurrency ?? 4;
  }

  /** Queues a write; false when it was dropped (queue full). */
  add(w: EventWrite): boolean {
    const id = idOf(w.event);
    const queued = this.waiting.get(id);
    if (queued) {
      // Not sent yet: send the newer state instead; a queued create stays a create.
      queued.event = w.event;
      if (queued.patch) queued.patch = w.patch;
      return true;
    }
    if (this.queue.length >= this.maxQueued) {
      this.stats.dropped++;
      return false;
    }
    const entry = { ...w };
    this.queue.push(entry);
    this.waiting.set(id, entry);
    this.pump();
    return true;
  }

  /** Resolves when nothing is queued or in flight (tests, orderly shutdown). */
  idle(): Promise<void> {
    if (this.busy.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length && this.busy.size < this.concurrency; ) {
      const w = this.queue[i] as EventWrite;
      const id = idOf(w.event);
      if (this.busy.has(id)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.waiting.delete(id);
      this.busy.add(id);
      this.send(w)
        .catch((err: unknown) => {
          this.stats.failed++;
          this.o.log.debug(
            {
              reason: w.event.reason,
              object: w.event.involvedObject.name,
              err: err instanceof Error ? err.message : String(err),
            },
            'event not recorded',
          );
        })
        .finally(() => {
          this.busy.delete(id);
          this.pump();
          if (this.busy.size === 0 && this.queue.length === 0) for (const r of this.idleWaiters.splice(0)) r();
        });
    }
  }

  private async send(w: EventWrite): Promise<void> {
    const ns = w.event.metadata.namespace ?? 'default';
    if (w.patch) {
      try {
        await this.o.client.patch(EVENTS, ns, w.event.metadata.name ?? '', 'merge', w.patch);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await this.o.client.create(EVENTS, ns, w.event as unknown as KubeObject);
  }
}

function idOf(e: CoreEvent): string {
  return `${e.metadata.namespace ?? ''}/${e.metadata.name ?? ''}`;
}
