import type { Probe } from 'kubernetes-types/core/v1.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** A probe's timing fields in ms, with Kubernetes' defaults (delay 0, period 10 s, timeout 1 s, thresholds 1 and 3). */
export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Resolves a probe's timing fields with Kubernetes' defaults. Liveness and startup probes always use successThreshold 1. Pure. */
export function probeTiming(kind: ProbeKind, p: Probe): ProbeTiming {
  const pos = (v: number | undefined, def: number): number => (v !== undefined && v > 0 ? v : def);
  return {
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    periodMs: pos(p.periodSeconds, 10) * 1000,
    timeoutMs: pos(p.timeoutSeconds, 1) * 1000,
    successThreshold: kind === 'readiness' ? pos(p.successThreshold, 1) : 1,
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

/**
 * The result of one probe of one running container, as the kubelet keeps it: readiness starts
 * failed, liveness starts succeeded, startup starts unknown (undefined); the result turns after
 * `successThreshold` consecutive successes or `failureThreshold` consecutive failures. The first run
 * is due `initialDelayMs` after the container started, then every `periodMs` after the previous
 * run was due. Pure: the caller passes the time.
 */
export class ProbeState {
  result: boolean | undefined;
  private successes = 0;
  private failures = 0;
  private due: number;

  constructor(
    readonly kind: ProbeKind,
    readonly timing: ProbeTiming,
    startedAtMs: number,
  ) {
    this.result = kind === 'readiness' ? false : kind === 'liveness' ? true : undefined;
    this.due = startedAtMs + timing.initialDelayMs;
  }

  /** When the next run is due (ms, the caller's clock). */
  nextDueMs(): number {
    return this.due;
  }

  /** Records one run's outcome at nowMs and schedules the next; returns true when the result changed. */
  record(ok: boolean, nowMs: number): boolean {
    this.due = Math.max(this.due + this.timing.periodMs, nowMs);
    const before = this.result;
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= this.timing.successThreshold) this.result = true;
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= this.timing.failureThreshold) this.result = false;
    }
    return before !== this.result;
  }
}
