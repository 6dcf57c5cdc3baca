export interface WaitOptions {
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
  /** Treat a throw as "not yet" (the last error goes into the timeout message) instead of failing. */
  retryErrors?: boolean;
  /** Extra context for the timeout message, e.g. a dump of the cluster's state. */
  describe?: () => Promise<string> | string;
}

/**
 * Polls `probe` until it returns a value other than undefined, null or false, and returns that
 * value; throws `timed out waiting for <what>` after the timeout (default 10 s).
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    let value: T | undefined | null | false;
    try {
      value = await probe();
    } catch (err) {
      if (!options.retryErrors) throw err;
      lastError = err;
      value = undefined;
    }
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      const context = options.describe ? `\n${await options.describe()}` : '';
      throw new Error(`timed out waiting for ${what}${why}${context}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
