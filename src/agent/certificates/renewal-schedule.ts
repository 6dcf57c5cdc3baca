/**
 * When to renew: at 75-85 % of the certificate's life (the kubelet jitters 70-90 %), so that
 * many nodes started together do not renew at once. `random` is in [0, 1).
 */
export function renewalTime(notBefore: number, notAfter: number, random: number): number {
  return notBefore + (notAfter - notBefore) * (0.75 + 0.1 * random);
}

export interface RenewalScheduleOptions {
  /** The validity (ms since the epoch) of the certificate held now; read again after each renewal. */
  validity(): { notBefore: number; notAfter: number };
  renew(): Promise<void>;
  /** Called with a failed renewal's error; it is retried after retryMs. */
  onFailure(err: unknown): void;
  now?: () => number;
  random?: () => number;
  /** Retry delay after a failed renewal (default 30 s). */
  retryMs?: number;
}

/**
 * Runs `renew` at each certificate's renewal time, again and again, retrying a failed renewal after
 * retryMs. Returns a stop function that waits for a renewal in flight; idempotent.
 */
export function scheduleRenewals(o: RenewalScheduleOptions): () => Promise<void> {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const nextRenewal = (): number => {
    const v = o.validity();
    return renewalTime(v.notBefore, v.notAfter, random());
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let renewal: Promise<void> | undefined;
  let renewAt = nextRenewal();
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    // setTimeout holds at most ~24.8 days: a longer wait wakes up and schedules again.
    timer = setTimeout(tick, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    timer.unref?.();
  };
  const tick = (): void => {
    if (now() < renewAt) {
      schedule(renewAt - now());
      return;
    }
    renewal = o.renew().then(
      () => {
        renewAt = nextRenewal();
        schedule(renewAt - now());
      },
      (err: unknown) => {
        o.onFailure(err);
        schedule(o.retryMs ?? 30_000);
      },
    );
  };
  schedule(renewAt - now());
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await renewal?.catch(() => {});
  };
}
