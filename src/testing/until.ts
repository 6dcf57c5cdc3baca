/**
 * The one condition wait for tests (unit tests here, integration tests through
 * test/helpers/wait-until.ts): poll a probe until it reports progress, or fail naming what was awaited.
 */

/** Not yet: undefined, null and false. Any other value ends the wait and is returned. */
export type NotYet = undefined | null | false;

/** A check that is run until it returns something other than undefined, null or false. */
export type Probe<T> = () => Promise<T | NotYet> | T | NotYet;

export interface UntilOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /**
   * The longest pause between attempts (default 100 ms). The first pauses are shorter (5 ms,
   * doubling) so a condition met almost at once is seen at once.
   */
  intervalMs?: number;
  /** Treat a throw as "not yet" (the last error goes into the timeout message) instead of failing. */
  retryErrors?: boolean;
  /** Extra context for the timeout message, e.g. a dump of the cluster's state. */
  describe?: () => Promise<string> | string;
}

const FIRST_PAUSE_MS = 5;

/**
 * Runs `probe` until it returns a value other than undefined, null or false, and returns that
 * value. Throws `timed out after <n> ms waiting for <what>` (with the last error and `describe()`)
 * when the timeout passes; a throw from the probe fails the wait at once unless `retryErrors`.
 * The probe runs at least once, and once more after the deadline, so a slow probe is not cut short.
 */
export async function until<T>(what: string, probe: Probe<T>, options: UntilOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxPause = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let pause = Math.min(FIRST_PAUSE_MS, maxPause);
  let lastError: unknown;
  for (;;) {
    const pastDeadline = Date.now() > deadline;
    let value: T | NotYet;
    try {
      value = await probe();
    } catch (err) {
      if (!options.retryErrors) throw err;
      lastError = err;
      value = undefined;
    }
    if (value !== undefined && value !== null && value !== false) return value;
    if (pastDeadline) {
      const why = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      const context = options.describe ? `\n${await options.describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}${context}`);
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, maxPause);
  }
}

/**
 * `until` with other defaults, for a test file whose waits share them (a slow cluster, a probe
 * that may throw while a server starts). Options given at a call override these.
 */
export function untilWith(
  defaults: UntilOptions,
): <T>(what: string, probe: Probe<T>, options?: UntilOptions) => Promise<T> {
  return (what, probe, options) => until(what, probe, { ...defaults, ...options });
}

/**
 * Waits `ms` on purpose, to assert afterwards that something did NOT happen in that window (a
 * retry, a write, an event). `why` names what must stay quiet, so the sleep says why it is there.
 * Anything a test waits FOR uses `until` instead.
 */
export async function quietPeriod(ms: number, why: string): Promise<void> {
  if (why === '') throw new Error('quietPeriod: say what must not happen');
  await new Promise((r) => setTimeout(r, ms));
}
