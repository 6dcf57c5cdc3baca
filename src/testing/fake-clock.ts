/**
 * A manual clock for code that takes an injected `now` and `Timers`: time stands still until a
 * test calls `advance(ms)`, which fires the timers that fall due in order, moving `now` to each
 * one's due time and letting the promise chains it starts settle before the next. Pass
 * `clock.now` and `clock` (as the Timers). Only for code whose I/O settles without real timers
 * (a FakeClient does).
 */
// Matches machinery's `Timers` structurally (src/testing imports nothing above L0).
export class FakeClock {
  private t: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(startMs = Date.parse('2024-05-01T10:00:00Z')) {
    this.t = startMs;
  }

  /** The current fake time in ms since the epoch; a bound function, so `now: clock.now` works. */
  readonly now = (): number => this.t;

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.pending.delete(handle);
  }

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.pending.size;
  }

  /** Lets promise chains already started run to their next wait (on a timer or on I/O). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }

  /** Moves time forward by `ms`, firing due timers in order (earliest first, then by creation). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await this.settle();
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.pending) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      this.pending.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await this.settle();
    }
    this.t = end;
  }
}
