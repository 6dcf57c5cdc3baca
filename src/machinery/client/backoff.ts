/** Exponential backoff: `baseMs * 2^(attempt)`, capped at `maxMs`. attempt 0 gives baseMs. Pure. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt <= 0) return Math.min(baseMs, maxMs);
  // Cap the exponent so the product stays finite.
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 40));
}

/** Timers, injectable so tests control time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
