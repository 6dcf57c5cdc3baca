import type { PodInfo } from '../framework/pod-info.js';
import { KeyedHeap } from './keyed-heap.js';

/** A pod waiting to be scheduled and its history in the queue. */
export interface QueuedPod {
  info: PodInfo;
  /** Scheduling attempts so far (set on pop). */
  attempts: number;
  /** When it (re-)entered the active queue: the FIFO order among equal priorities. */
  timestamp: number;
  /** When the last attempt failed (backoff counts from here). */
  failedAt: number;
}

export interface SchedulingQueueOptions {
  now?: () => number;
  /** Backoff after the first failed attempt (default 1 s), doubled per attempt up to maxBackoffMs (default 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at least this often even without cluster events (default 5 min). */
  maxUnschedulableMs?: number;
}

/**
 * kube-scheduler's PriorityQueue: activeQ (highest priority first, then oldest), backoffQ (pods
 * whose retry time has not come, ordered by it), and the unschedulable set (pods waiting for a
 * cluster change). A pod is in at most one of the three, or being scheduled (popped). Cluster
 * events (node added or changed, pod deleted) move unschedulable pods to activeQ or, while their
 * backoff lasts, to backoffQ. A move that happens while a pod is being scheduled sends that pod to
 * backoffQ instead of unschedulable if its attempt fails (moveRequestCycle), so no event is lost.
 * flush() must be called periodically (the scheduler does every second).
 */
export class SchedulingQueue {
  private readonly active = new KeyedHeap<QueuedPod>(
    (q) => q.info.key,
    (a, b) => a.info.priority > b.info.priority || (a.info.priority === b.info.priority && a.timestamp < b.timestamp),
  );
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (q) => q.info.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** Pods popped and not yet returned or done (key -> cycle it was popped in). */
  private readonly inFlight = new Map<string, number>();
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiters: ((q: QueuedPod | undefined) => void)[] = [];
  private closed = false;
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 300_000;
  }

  /** A new pending pod (informer add). Ignored when already queued or being scheduled. */
  add(info: PodInfo): void {
    if (this.has(info.key)) return;
    this.pushActive({ info, attempts: 0, timestamp: this.now(), failedAt: 0 });
  }

  /**
   * A pending pod changed (informer update). Its queued entry gets the new object; an
   * unschedulable pod whose spec or labels changed is moved, since it may fit now.
   */
  update(info: PodInfo, specChanged: boolean): void {
    const key = info.key;
    const a = this.active.get(key);
    if (a) {
      a.info = info;
      this.active.push(a);
      return;
    }
    const b = this.backoff.get(key);
    if (b) {
      b.info = info;
      this.backoff.push(b);
      return;
    }
    const u = this.unschedulable.get(key);
    if (u) {
      u.info = info;
      if (specChanged) {
        this.unschedulable.delete(key);
        this.moveOne(u);
      }
      return;
    }
    if (!this.inFlight.has(key)) this.add(info);
  }

  /** The pod was deleted or got bound by someone else: forget it everywhere. */
  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  /** The next pod to schedule, waiting until there is one; undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    const q = this.tryPop();
    if (q || this.closed) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next pod if one is active now. */
  tryPop(): QueuedPod | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    return this.started(q);
  }

  private started(q: QueuedPod): QueuedPod {
    this.schedulingCycle++;
    q.attempts++;
    this.inFlight.set(q.info.key, this.schedulingCycle);
    return q;
  }

  /** The popped pod is done (bound, or dropped). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The popped pod could not be scheduled. It waits in the unschedulable set for a cluster event,
   * unless one came while it was being scheduled (then backoffQ), or `error` (then backoffQ).
   */
  requeueFailed(q: QueuedPod, error = false): void {
    const cycle = this.inFlight.get(q.info.key);
    this.inFlight.delete(q.info.key);
    if (cycle === undefined || this.closed) return; // deleted meanwhile
    q.failedAt = this.now();
    if (error || this.moveRequestCycle >= cycle) this.backoff.push(q);
    else this.unschedulable.set(q.info.key, q);
  }

  /** A cluster change that may make unschedulable pods fit: move them all (to backoffQ while backing off). */
  moveAllToActiveOrBackoff(): void {
    for (const q of this.unschedulable.values()) this.moveOne(q);
    this.unschedulable.clear();
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Moves pods whose backoff has expired to activeQ, and pods unschedulable for too long. */
  flush(): void {
    const now = this.now();
    for (let top = this.backoff.peek(); top && this.backoffExpiry(top) <= now; top = this.backoff.peek()) {
      this.backoff.pop();
      this.pushActive(top);
    }
    for (const [key, q] of this.unschedulable) {
      if (now - q.failedAt >= this.maxUnschedulableMs) {
        this.unschedulable.delete(key);
        this.moveOne(q);
      }
    }
  }

  /** Ends pending pop() calls with undefined; later pops return undefined when empty. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get sizes(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  /** The backoff of a pod after `attempts` failures: 1 s, 2 s, 4 s, ... capped at 10 s. */
  backoffDuration(attempts: number): number {
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  }

  private backoffExpiry(q: QueuedPod): number {
    return q.failedAt + this.backoffDuration(q.attempts);
  }

  private moveOne(q: QueuedPod): void {
    if (this.backoffExpiry(q) > this.now()) this.backoff.push(q);
    else this.pushActive(q);
  }

  private pushActive(q: QueuedPod): void {
    q.timestamp = this.now();
    const w = this.waiters.shift();
    if (w) w(this.started(q));
    else this.active.push(q);
  }
}
