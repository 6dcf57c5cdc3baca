/**
 * A passive token bucket: starts full with `burst` tokens and refills `perSecond` tokens a second,
 * never above `burst`. It keeps no timer; the caller passes the time of each try, so a fake clock
 * drives it in tests.
 */
export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  /** Takes one token at `nowMs` (milliseconds since the epoch) if there is one; true when taken. */
  tryAccept(nowMs: number): boolean {
    if (this.last !== undefined && nowMs > this.last)
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) / 1000) * this.perSecond);
    if (this.last === undefined || nowMs > this.last) this.last = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
