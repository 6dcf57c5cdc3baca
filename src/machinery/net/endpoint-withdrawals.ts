import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/**
 * Addresses some EndpointSlice lists as ready (conditions.ready not false, as the data planes read
 * it): the endpoints a node's service proxy or ingress proxy sends new connections to. Pure.
 */
export function readyAddresses(slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const s of slices)
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses ?? []) out.add(ip);
    }
  return out;
}

/** How one data plane answered waitWithdrawn(). */
export type WithdrawalOutcome =
  /** The address was a ready endpoint here and is no longer (and settleMs have passed since). */
  | 'withdrawn'
  /** The address was not a ready endpoint in what was applied (no Service selects the pod, or it was not ready). */
  | 'not-served'
  /** The deadline came first (the data plane did not apply a ruleset without it in time). */
  | 'timed-out';

export interface WithdrawalWait {
  /** Give up at this time (the clock's unit, ms). */
  deadline: number;
  /**
   * How long after this data plane applied the withdrawal the wait still lasts: the bound on how
   * much later the other nodes' data planes, fed by the same watch event, apply it too.
   */
  settleMs: number;
}

interface Waiter {
  ip: string;
  wait: WithdrawalWait;
  resolve: (o: WithdrawalOutcome) => void;
  timer?: NodeJS.Timeout;
}

/**
 * What one data plane of a node (the service proxy's nftables table, the ingress HAProxy) last
 * applied, as the set of endpoint addresses it treated as ready, and when each address stopped
 * being one. The node's agent asks it, before it signals a deleted pod's containers, whether the
 * pod's address is out of the data plane yet:
 *
 *   data plane sync applied --> applied(slices it was built from) --> ready set, withdrawal times
 *   agent deleting a pod    --> waitWithdrawn(podIP) --> resolves once the address is not ready
 *                               here and settleMs have passed since it stopped being ready
 *
 * The clock is injectable (tests); times are ms. Withdrawal times are kept `retainMs` (default 60 s).
 */
export class EndpointWithdrawals {
  private ready = new Set<string>();
  /** Address -> when an applied sync first left it out of the ready set. */
  private readonly withdrawnAt = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly clock: () => number = () => performance.now(),
    private readonly retainMs = 60_000,
  ) {}

  /** Called by the data plane after each sync it applied, with the EndpointSlices that sync was built from. */
  applied(slices: readonly EndpointSlice[]): void {
    const now = this.clock();
    const next = readyAddresses(slices);
    for (const ip of this.ready) if (!next.has(ip)) this.withdrawnAt.set(ip, now);
    for (const ip of next) this.withdrawnAt.delete(ip);
    for (const [ip, t] of this.withdrawnAt) if (now - t > this.retainMs) this.withdrawnAt.delete(ip);
    this.ready = next;
    for (const w of this.waiters) this.check(w);
  }

  /** Whether the last applied sync treated `ip` as a ready endpoint. */
  serves(ip: string): boolean {
    return this.ready.has(ip);
  }

  /**
   * Resolves once `ip` is out of what this data plane applied: 'not-served' at once when it is not
   * there and was not withdrawn lately, 'withdrawn' when settleMs have passed since an applied sync
   * left it out, 'timed-out' at the deadline. Never rejects.
   */
  waitWithdrawn(ip: string, wait: WithdrawalWait): Promise<WithdrawalOutcome> {
    return new Promise((resolve) => {
      const w: Waiter = { ip, wait, resolve };
      this.waiters.add(w);
      this.check(w);
    });
  }

  /** Resolves every pending wait with 'timed-out' (the data plane stops). */
  close(): void {
    for (const w of this.waiters) this.finish(w, 'timed-out');
  }

  private check(w: Waiter): void {
    const now = this.clock();
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
    const outcome = this.outcome(w, now);
    if (outcome) {
      this.finish(w, outcome);
      return;
    }
    const at = this.withdrawnAt.get(w.ip);
    const next =
      at === undefined || this.ready.has(w.ip) ? w.wait.deadline : Math.min(at + w.wait.settleMs, w.wait.deadline);
    w.timer = setTimeout(() => this.check(w), next - now);
  }

  /** The outcome of a wait at `now`, undefined while it goes on. */
  private outcome(w: Waiter, now: number): WithdrawalOutcome | undefined {
    if (this.ready.has(w.ip)) return now >= w.wait.deadline ? 'timed-out' : undefined;
    const at = this.withdrawnAt.get(w.ip);
    if (at === undefined) return 'not-served';
    if (now >= at + w.wait.settleMs) return 'withdrawn';
    return now >= w.wait.deadline ? 'timed-out' : undefined;
  }

  private finish(w: Waiter, o: WithdrawalOutcome): void {
    if (w.timer) clearTimeout(w.timer);
    this.waiters.delete(w);
    w.resolve(o);
  }
}
