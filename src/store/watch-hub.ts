import { CompactedError, type Watch, type WatchEvent, type WatchOptions } from './store.js';

/**
 * In-process watch fan-out shared by the single-writer backends (memory, SQLite).
 *
 *   watch(prefix, after) --> replaying: readLog(after..current) in chunks, one chunk per tick
 *                              |  caught up with current revision
 *                              v
 *   publish(commit batch) --> live: events filtered by prefix, delivered in revision order
 *
 * Delivery is never re-entrant: a callback that writes to the store sees its own events queued
 * and delivered after it returns.
 */

/** What the hub needs from its backend: the committed log and the revision bounds. */
export interface WatchSource {
  /**
   * Committed events for keys starting with `prefix` with `after < revision <= upTo`, in revision
   * order, at most `limit` of them. Only called with `after >= compactedRevision()`.
   */
  readLog(prefix: string, after: number, upTo: number, limit: number): WatchEvent[];
  currentRevision(): number;
  compactedRevision(): number;
}

interface Watcher {
  prefix: string;
  options: WatchOptions;
  /** Highest revision whose events (for this prefix) have been queued for delivery. */
  delivered: number;
  state: 'replaying' | 'live' | 'done';
}

/** Events are read from the log this many at a time while a watch catches up. */
const REPLAY_CHUNK = 1000;

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly queue: Array<{ watcher: Watcher; events: WatchEvent[] }> = [];
  private draining = false;

  constructor(private readonly source: WatchSource) {}

  /**
   * Starts a watch. Events after `options.afterRevision` are replayed from the log, then live
   * events follow. Fails through onError (asynchronously) with CompactedError if the start is
   * below the compacted revision.
   */
  add(prefix: string, options: WatchOptions): Watch {
    const watcher: Watcher = { prefix, options, delivered: options.afterRevision, state: 'replaying' };
    this.watchers.add(watcher);
    setImmediate(() => this.replay(watcher));
    return { cancel: () => this.remove(watcher) };
  }

  /** Delivers one committed batch (strictly increasing revisions) to live watchers. Call after commit. */
  publish(events: WatchEvent[]): void {
    if (events.length === 0) return;
    for (const w of this.watchers) {
      if (w.state !== 'live') continue;
      const mine = events.filter((e) => e.revision > w.delivered && e.key.startsWith(w.prefix));
      w.delivered = events[events.length - 1].revision;
      if (mine.length > 0) this.enqueue(w, mine);
    }
    this.drain();
  }

  /** Ends every watch with `err` (the backend is closing). */
  closeAll(err: Error): void {
    for (const w of [...this.watchers]) this.fail(w, err);
  }

  /** Number of active watches (for metrics and tests). */
  get size(): number {
    return this.watchers.size;
  }

  private replay(w: Watcher): void {
    if (w.state !== 'replaying') return;
    const compacted = this.source.compactedRevision();
    if (w.delivered < compacted) {
      this.fail(w, new CompactedError(w.options.afterRevision, compacted));
      return;
    }
    const upTo = this.source.currentRevision();
    let events: WatchEvent[];
    try {
      events = w.delivered >= upTo ? [] : this.source.readLog(w.prefix, w.delivered, upTo, REPLAY_CHUNK);
    } catch (err) {
      this.fail(w, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (events.length === REPLAY_CHUNK) {
      w.delivered = events[events.length - 1].revision;
      this.enqueue(w, events);
      this.drain();
      setImmediate(() => this.replay(w));
      return;
    }
    w.delivered = Math.max(w.delivered, upTo);
    w.state = 'live';
    if (events.length > 0) this.enqueue(w, events);
    this.drain();
  }

  private enqueue(watcher: Watcher, events: WatchEvent[]): void {
    this.queue.push({ watcher, events });
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        if (item.watcher.state === 'done') continue;
        try {
          item.watcher.options.onEvents(item.events);
        } catch (err) {
          this.fail(item.watcher, err instanceof Error ? err : new Error(String(err)));
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private remove(w: Watcher): void {
    w.state = 'done';
    this.watchers.delete(w);
  }

  private fail(w: Watcher, err: Error): void {
    if (w.state === 'done') return;
    this.remove(w);
    try {
      w.options.onError(err);
    } catch {
      // The watch is over either way; an observer failing in onError must not break the store.
    }
  }
}
