import { Cron } from 'croner';

/** A compiled CronJob schedule: the first activation strictly after a time. */
export interface CronSchedule {
  /** The next activation after `afterMs` (ms since the epoch), or undefined when there is none. */
  next(afterMs: number): number | undefined;
}

/** robfig/cron descriptors croner does not know by these names. */
const ALIASES: Record<string, string> = { '@midnight': '@daily', '@annually': '@yearly' };

/**
 * Compiles a CronJob schedule (five fields or a descriptor such as `@hourly`, `@every 90s`) in
 * `timeZone` (IANA name; undefined = the server's local zone, as kube-controller-manager). Uses
 * croner in legacy mode (day-of-month OR day-of-week, like Vixie cron and robfig/cron). Throws
 * on an unparseable schedule or unknown time zone. Pure.
 */
export function compileSchedule(schedule: string, timeZone?: string): CronSchedule {
  if (timeZone !== undefined) assertTimeZone(timeZone);
  const text = schedule.trim();
  const every = /^@every\s+(.+)$/.exec(text);
  if (every) {
    const ms = parseGoDuration(every[1]);
    // robfig's ConstantDelaySchedule: at least 1 s, whole seconds; activation = previous + delay.
    const step = Math.max(1000, Math.floor(ms / 1000) * 1000);
    return { next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + step };
  }
  const cron = new Cron(ALIASES[text] ?? text, {
    paused: true,
    legacyMode: true,
    ...(timeZone ? { timezone: timeZone } : {}),
  });
  return {
    next(afterMs) {
      // Schedules have minute resolution: start from the whole second so `afterMs` itself is excluded.
      const d = cron.nextRun(new Date(Math.floor(afterMs / 1000) * 1000));
      return d ? d.getTime() : undefined;
    },
  };
}

/** Throws `unknown time zone X` unless Intl knows the IANA zone. Pure. */
export function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone ${tz}`);
  }
}

/** Go's time.ParseDuration for h, m, s, ms units (e.g. `1h30m`, `90s`). Throws when malformed. Pure. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let rest = s.trim();
  if (!rest) throw new Error(`invalid duration "${s}"`);
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!m) throw new Error(`invalid duration "${s}"`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** What the schedule asks at `nowMs`: the latest activation not yet run, how many were missed, and the next one. */
export interface ScheduleDue {
  /** The most recent activation in (earliest, now], if any. */
  mostRecent?: number;
  /** Activations in (earliest, now] (more than 100 is what Kubernetes warns about). */
  missed: number;
  /** The first activation after now. */
  next?: number;
}

/**
 * Kubernetes' mostRecentScheduleTime: activations after `earliestMs` (the last schedule time, or
 * the CronJob's creation) up to `nowMs`. After 100 activations it jumps close to now instead of
 * walking every one. Pure.
 */
export function scheduleDue(schedule: CronSchedule, earliestMs: number, nowMs: number): ScheduleDue {
  let missed = 0;
  let mostRecent: number | undefined;
  let t = schedule.next(earliestMs);
  let prev = earliestMs;
  while (t !== undefined && t <= nowMs) {
    missed++;
    mostRecent = t;
    if (missed === 100) {
      const jumpFrom = Math.max(t, nowMs - 2 * Math.max(1000, t - prev));
      prev = t;
      t = schedule.next(jumpFrom);
      continue;
    }
    prev = t;
    t = schedule.next(t);
  }
  return { mostRecent, missed, next: t };
}
