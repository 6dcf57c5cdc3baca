import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from 'pino';
import { loadNativeMalloc, type NativeMalloc } from './native-malloc.js';

export interface IdleMemoryReducerOptions {
  /** How often to look (default 10 s). */
  intervalMs?: number;
  /** The event loop counts as quiet below this utilization over an interval (default 0.05). */
  idleUtilization?: number;
  /** While quiet, collect again after this long anyway (default 60 s): the watch cache forgets old events on a timer. */
  quietPeriodMs?: number;
  /**
   * For this long after the loop was last busy, collect on every quiet interval (default 120 s): the
   * watch cache lets go of a burst's events on its own timer, a little after its freshness window.
   */
  afterBurstMs?: number;
  /** Where to say (at debug, once) that the malloc addon is missing. */
  log?: Pick<Logger, 'debug'>;
  /** Tests: the event loop's utilization since the last call (default from perf_hooks), the collector (default a full V8 GC), the trim (default malloc_trim(0) through the addon, none without it), the clock. */
  utilization?: () => number;
  collect?: () => void;
  trim?: (() => void) | null;
  now?: () => number;
}

/**
 * After a burst (many objects written, listed or deleted), V8 keeps the garbage until allocation
 * pressure makes it collect, and the Buffers that hold object JSON stay allocated with it: an idle
 * server keeps far more than its working set. This runs one full collection when the event loop has gone
 * quiet after being busy (once per burst), and every minute while it stays quiet (the watch
 * cache drops old events on a timer), so memory returns to the working set. A full GC of the
 * server's heap takes tens of milliseconds, and only happens when nothing is waiting.
 *
 * The GC frees the objects, but glibc's malloc keeps the pages of what the burst freed (its brk
 * heap only shrinks from the top): malloc_trim(0) hands them back (a few ms; skipped without the
 * native addon). It runs one interval after each collection, not right after it: V8 frees the
 * Buffers' memory on a background sweeper after gc() returns, and a trim right away would miss
 * what the sweeper frees later.
 *
 * For two minutes after a burst it collects on every quiet interval, not once a minute: the
 * watch cache drops the burst's events (and their Buffers) on its own timer, a little after its
 * freshness window, and with a minute between collections that memory would come back up to a
 * minute late.
 */
export function startIdleMemoryReducer(o: IdleMemoryReducerOptions = {}): { stop(): void; tick(): void } {
  const collect = o.collect ?? fullGc();
  const trim = o.trim === undefined ? addonTrim(o.log) : o.trim;
  const utilization = o.utilization ?? loopUtilization();
  const now = o.now ?? Date.now;
  const quiet = o.idleUtilization ?? 0.05;
  const period = o.quietPeriodMs ?? 60_000;
  const afterBurst = o.afterBurstMs ?? 120_000;
  let lastBusy = Number.NEGATIVE_INFINITY;
  let busySinceLastGc = false;
  let trimDue = false;
  let lastGc = now();
  const tick = (): void => {
    // Busy again: the trim waits for the collection after this burst.
    if (utilization() > quiet) {
      busySinceLastGc = true;
      lastBusy = now();
      trimDue = false;
      return;
    }
    if (trimDue) {
      trimDue = false;
      trim?.();
    }
    const settling = now() - lastBusy < afterBurst;
    if (!busySinceLastGc && !settling && now() - lastGc < period) return;
    busySinceLastGc = false;
    lastGc = now();
    collect();
    trimDue = trim !== null;
  };
  const timer = setInterval(tick, o.intervalMs ?? 10_000);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}

/** malloc_trim through the addon, loaded at the first trim (not on the startup path). */
function addonTrim(log?: Pick<Logger, 'debug'>): () => void {
  let malloc: NativeMalloc | undefined | null = null;
  return () => {
    if (malloc === null) malloc = loadNativeMalloc(log);
    malloc?.trim();
  };
}

function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function loopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const current = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(current, last).utilization;
    last = current;
    return u;
  };
}
