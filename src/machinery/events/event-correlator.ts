import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import { LruMap } from './lru-map.js';
import { TokenBucket } from './token-bucket.js';

/** The correlator's limits; every field has client-go's default. */
export interface CorrelatorOptions {
  /** The clock (tests pass a fake one). */
  now?: () => Date;
  /**
   * Similar events (equal but for the message) become one combined event from the `maxSimilar`-th
   * distinct message on (10)...
   */
  maxSimilar?: number;
  /** ...seen with no gap longer than this between two of them (10 minutes). */
  maxIntervalMs?: number;
  /** Events one source may write about one object at once (25)... */
  burst?: number;
  /** ...refilled at this rate afterwards (one every 5 minutes). */
  refillPerSecond?: number;
  /** Entries kept in each of the three caches, least recently used dropped first (4096). */
  cacheSize?: number;
}

/** The fields a repeat changes on the Event already written: a merge patch body. */
export interface EventRepeatPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}

/**
 * What to do with an event: drop it (spam), create it, or patch the Event written for its first
 * occurrence. A patch carries the whole event too, to create it should the first be gone.
 */
export type Correlation =
  | { action: 'skip' }
  | { action: 'create'; event: CoreEvent }
  | { action: 'patch'; event: CoreEvent; patch: EventRepeatPatch };

export const COMBINED_PREFIX = '(combined from similar events): ';

const SEP = '\u0000';

/** The identity of an event: source, involved object (with fieldPath), type, reason and message. Pure. */
export function eventKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.fieldPath,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.message,
  ].join(SEP);
}

/** Who writes about what: source and involved object (no fieldPath); one spam budget each. Pure. */
export function spamKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion].join(SEP);
}

/** The group of similar events: all but the message (and fieldPath), reporting controller and instance included. Pure. */
export function aggregateKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return [
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.reportingComponent,
    e.reportingInstance,
  ].join(SEP);
}

/** An Event timestamp (RFC 3339, whole seconds). Pure. */
export function eventTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The name Kubernetes gives an Event: `<object>.<time in nanoseconds, hex>`. The clock has
 * milliseconds only, so the sub-millisecond digits are random to keep names of one millisecond apart.
 */
export function eventName(objectName: string, at: Date): string {
  const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return `${objectName}.${nanos.toString(16)}`;
}

interface SimilarGroup {
  messages: Set<string>;
  lastMs: number;
}

interface Written {
  name: string;
  count: number;
  firstTimestamp: string | undefined;
}

/**
 * client-go's EventCorrelator: every event a recorder makes passes through correlate() before it
 * is written, in three steps.
 *   aggregate: events alike but for the message are counted by distinct message; from the 10th
 *     distinct one within 10 minutes of the previous, the event becomes one combined event
 *     ("(combined from similar events): <latest message>") keyed by the group, so later ones count
 *     on it instead of adding events;
 *   de-duplicate: an event equal to one written before (same key, message included) becomes a
 *     patch of that Event: count + 1, lastTimestamp, message;
 *   spam filter: a token bucket per source + object (burst 25, one more every 5 minutes) drops the
 *     rest. A dropped repeat still counts, so the next patch carries the true count.
 * Memory is bounded (three LRU caches). Synchronous, no I/O; not shared between processes.
 */
export class EventCorrelator {
  private readonly now: () => Date;
  private readonly maxSimilar: number;
  private readonly maxIntervalMs: number;
  private readonly burst: number;
  private readonly refillPerSecond: number;
  private readonly groups: LruMap<string, SimilarGroup>;
  private readonly written: LruMap<string, Written>;
  private readonly buckets: LruMap<string, TokenBucket>;

  constructor(o: CorrelatorOptions = {}) {
    this.now = o.now ?? (() => new Date());
    this.maxSimilar = o.maxSimilar ?? 10;
    this.maxIntervalMs = o.maxIntervalMs ?? 600_000;
    this.burst = o.burst ?? 25;
    this.refillPerSecond = o.refillPerSecond ?? 1 / 300;
    const size = o.cacheSize ?? 4096;
    this.groups = new LruMap(size);
    this.written = new LruMap(size);
    this.buckets = new LruMap(size);
  }

  /** Decides what to write for a new event (as the recorder built it: count 1, fresh name). */
  correlate(event: CoreEvent): Correlation {
    const now = this.now();
    const { event: aggregated, key } = this.aggregate(event, now);
    const observed = this.observe(aggregated, key, now);
    if (!this.allow(observed.event, now)) return { action: 'skip' };
    return observed;
  }

  private aggregate(event: CoreEvent, now: Date): { event: CoreEvent; key: string } {
    const groupKey = aggregateKey(event);
    let group = this.groups.get(groupKey);
    if (!group || now.getTime() - group.lastMs > this.maxIntervalMs) group = { messages: new Set(), lastMs: 0 };
    group.messages.add(event.message ?? '');
    group.lastMs = now.getTime();
    this.groups.set(groupKey, group);
    if (group.messages.size < this.maxSimilar) return { event, key: eventKey(event) };
    // Keep the set at most maxSimilar - 1 large, so every further distinct message is combined too.
    const any = group.messages.values().next();
    if (!any.done) group.messages.delete(any.value);
    const ts = eventTimestamp(now);
    const combined: CoreEvent = {
      ...event,
      metadata: { name: eventName(event.involvedObject.name ?? '', now), namespace: event.metadata.namespace },
      message: COMBINED_PREFIX + (event.message ?? ''),
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
    };
    return { event: combined, key: groupKey };
  }

  private observe(event: CoreEvent, key: string, now: Date): Exclude<Correlation, { action: 'skip' }> {
    const prior = this.written.get(key);
    if (!prior) {
      this.written.set(key, {
        name: event.metadata.name ?? '',
        count: event.count ?? 1,
        firstTimestamp: event.firstTimestamp,
      });
      return { action: 'create', event };
    }
    const count = prior.count + 1;
    const lastTimestamp = eventTimestamp(now);
    this.written.set(key, { ...prior, count });
    return {
      action: 'patch',
      event: {
        ...event,
        metadata: { ...event.metadata, name: prior.name },
        count,
        firstTimestamp: prior.firstTimestamp,
        lastTimestamp,
      },
      patch: { count, lastTimestamp, message: event.message ?? '' },
    };
  }

  private allow(event: CoreEvent, now: Date): boolean {
    const key = spamKey(event);
    let bucket = this.buckets.get(key);
    if (!bucket) bucket = new TokenBucket(this.burst, this.refillPerSecond);
    this.buckets.set(key, bucket);
    return bucket.tryAccept(now.getTime());
  }
}
