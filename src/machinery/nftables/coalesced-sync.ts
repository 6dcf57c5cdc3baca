/**
 * Runs `sync` after changes, coalesced: at most one run at a time, runs at least `minIntervalMs`
 * apart (events in between make one run), and another run when something changed meanwhile. The
 * service proxy and the NetworkPolicy enforcer drive their nftables tables with it. Every run,
 * including the first, goes through schedule(), so two runs never overlap.
 */
export class CoalescedSync {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastStart = 0;
  private dirty = false;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly sync: () => Promise<void>,
    private readonly minIntervalMs = 50,
  ) {}

  /** Something changed: a run will follow. */
  schedule(): void {
    this.dirty = true;
    if (this.stopped || this.timer || this.running) return;
    const wait = Math.max(0, this.lastStart + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.run().finally(() => {
        this.running = undefined;
        if (this.dirty || this.waiters.length) this.schedule();
      });
    }, wait);
  }

  /** Schedules a run after `ms` (a failed run's retry). */
  retryAfter(ms: number): void {
    if (!this.stopped) setTimeout(() => this.schedule(), ms).unref();
  }

  /** Resolves after a run that started after this call has finished (forces one). */
  syncNow(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  /** No more runs; resolves once the one in progress has finished. Releases syncNow() callers. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    for (const w of this.waiters.splice(0)) w();
  }

  private async run(): Promise<void> {
    this.dirty = false;
    this.lastStart = Date.now();
    const done = this.waiters;
    this.waiters = [];
    try {
      await this.sync();
    } finally {
      for (const w of done) w();
    }
  }
}
