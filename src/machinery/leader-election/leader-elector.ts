import type { Logger } from 'pino';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KubeObject } from '../../api/object.js';
import { realTimers, type Timers } from '../client/backoff.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/client-error.js';
import type { KubeClient } from '../client/kube-client.js';
import { LEASES } from '../resources/well-known.js';

type LeaseObject = KubeObject & Lease;

export interface LeaderElectionOptions {
  client: KubeClient;
  /** Lease name, e.g. `kube-controller-manager`. */
  name: string;
  /** Lease namespace (default kube-system). */
  namespace?: string;
  /** This candidate's identity (holderIdentity); unique per process that may run at the same time. */
  identity: string;
  /** How long a Lease holds without renewal (default 15 s). */
  leaseDurationSeconds?: number;
  /** A leader that could not renew for this long steps down (default 10 s). */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** Called once per term when this candidate becomes leader. A throw ends the term (and is logged). */
  onStartedLeading: () => void | Promise<void>;
  /** Called once per term when leadership is lost or given up (after stop()). */
  onStoppedLeading: () => void | Promise<void>;
  log: Logger;
  now?: () => number;
  timers?: Timers;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Ends the loop; a leader calls onStoppedLeading and releases the Lease (so a successor takes over at once). Idempotent. */
  stop(): Promise<void>;
}

/** MicroTime for the Lease (RFC 3339, microseconds). Pure. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/**
 * Lease-based leader election (client-go's leaderelection with a LeaseLock): candidates try to
 * create or take over `namespace/name` every retryPeriod; the holder renews renewTime every
 * retryPeriod; writes carry the Lease's resourceVersion, so of two racing candidates one gets a
 * 409 and stays follower. A Lease is free when its holder is empty, or neither its renewTime nor
 * any change this candidate saw is younger than leaseDurationSeconds (the local observation time
 * guards against clock skew; renewTime makes takeover of a long-dead Lease immediate). A Lease
 * held by this identity (a restart) is simply renewed. On takeover, leaseTransitions + 1 and
 * acquireTime = now.
 */
export function runWithLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const ns = opts.namespace ?? 'kube-system';
  const durationMs = (opts.leaseDurationSeconds ?? 15) * 1000;
  const renewDeadline = opts.renewDeadlineMs ?? 10_000;
  const retry = opts.retryPeriodMs ?? 2000;
  const now = opts.now ?? Date.now;
  const timers = opts.timers ?? realTimers;
  const log = opts.log.child({ lease: `${ns}/${opts.name}`, identity: opts.identity });

  let leader = false;
  let stopped = false;
  let lastRenew = 0;
  let observed: { key: string; at: number } | undefined;
  let current: LeaseObject | undefined;
  let wake: (() => void) | undefined;
  let timer: unknown;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = () => {
        timers.clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      timer = timers.setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
    });

  const spec = (l: LeaseObject | undefined) => l?.spec ?? {};

  /** One attempt; true when this candidate holds the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const t = now();
    let lease: LeaseObject;
    try {
      lease = await opts.client.get<LeaseObject>(LEASES, ns, opts.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        current = await opts.client.create<LeaseObject>(LEASES, ns, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: opts.name, namespace: ns },
          spec: {
            holderIdentity: opts.identity,
            leaseDurationSeconds: durationMs / 1000,
            acquireTime: microTime(t),
            renewTime: microTime(t),
            leaseTransitions: 0,
          },
        });
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
    }
    const s = spec(lease);
    const key = `${s.holderIdentity ?? ''}|${s.renewTime ?? ''}`;
    if (!observed || observed.key !== key) observed = { key, at: t };
    const holder = s.holderIdentity ?? '';
    const mine = holder === opts.identity;
    if (holder && !mine) {
      const renewedAt = Date.parse(s.renewTime ?? '');
      const dur = (s.leaseDurationSeconds ?? durationMs / 1000) * 1000;
      const freshLocally = t - observed.at < dur;
      const freshByTime = Number.isNaN(renewedAt) || t - renewedAt < dur;
      if (freshLocally && freshByTime) return false;
    }
    const next: LeaseObject = {
      ...lease,
      spec: {
        ...s,
        holderIdentity: opts.identity,
        leaseDurationSeconds: durationMs / 1000,
        renewTime: microTime(t),
        ...(mine ? {} : { acquireTime: microTime(t), leaseTransitions: (s.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      current = await opts.client.update(LEASES, ns, next);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  };

  const attempt = async (): Promise<boolean> => {
    try {
      return await tryAcquireOrRenew();
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'leader election: attempt failed');
      return false;
    }
  };

  /** One term as leader: returns when onStartedLeading failed, the Lease was lost, or stop() was called. */
  const holdTerm = async (): Promise<void> => {
    leader = true;
    lastRenew = now();
    log.info('leader election: became leader');
    try {
      await opts.onStartedLeading();
    } catch (err) {
      log.error({ err }, 'leader election: onStartedLeading failed; stepping down');
      return;
    }
    while (!stopped) {
      await sleep(retry);
      if (stopped) return;
      if (await attempt()) {
        lastRenew = now();
        continue;
      }
      if (now() - lastRenew >= renewDeadline || (current && spec(current).holderIdentity !== opts.identity)) {
        log.warn('leader election: lost the lease');
        return;
      }
    }
  };

  /** The one end of every term: onStoppedLeading, then (when stopping) the Lease is given up so a successor need not wait out its duration. */
  const endTerm = async (release: boolean): Promise<void> => {
    leader = false;
    try {
      await opts.onStoppedLeading();
    } catch (err) {
      log.error({ err }, 'leader election: onStoppedLeading failed');
    }
    if (!release || !current) return;
    try {
      const fresh = await opts.client.get<LeaseObject>(LEASES, ns, opts.name);
      if (spec(fresh).holderIdentity === opts.identity) {
        await opts.client.update(LEASES, ns, {
          ...fresh,
          spec: { ...spec(fresh), holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now()) },
        });
      }
    } catch (err) {
      log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'leader election: releasing the lease failed',
      );
    }
  };

  const loop = (async () => {
    while (!stopped) {
      if (!(await attempt())) {
        await sleep(retry * (1 + Math.random() * 0.2));
        continue;
      }
      if (stopped) break;
      await holdTerm();
      await endTerm(stopped);
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    isLeader: () => leader,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wake?.();
        await loop;
      })();
      return stopping;
    },
  };
}
