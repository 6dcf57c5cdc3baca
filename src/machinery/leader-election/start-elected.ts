import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Restartable } from '../lifecycle/restartable.js';
import { compose, type Stoppable } from '../lifecycle/runnables.js';
import { runWithLeaderElection } from './leader-elector.js';
import type { ClientOptions } from '../client/create-client.js';

export type { Stoppable };

export interface StartElectedOptions {
  /** How the election's own client reaches the API (the server's loopback socket, as the elected component's user). */
  connection: ClientOptions;
  log: Logger;
  /** Lease name in kube-system, e.g. `kube-controller-manager` (the name the component's bootstrap role may update). */
  name: string;
  /** The server's data dir: with the host name it makes the identity, stable across restarts of one server. */
  dataDir: string;
  /** Starts the component (called on every term); undefined means it failed to start (logged by it). */
  start: () => Promise<Stoppable | undefined>;
  retryPeriodMs?: number;
}

/** `<host>_<sha256(dataDir) prefix>`: distinct for servers sharing one etcd, the same after a restart (which then renews at once). Pure apart from the host name. */
export function serverIdentity(dataDir: string): string {
  return `${hostname()}_${createHash('sha256').update(dataDir).digest('hex').slice(0, 10)}`;
}

/**
 * Runs `start` only while this server holds the Lease kube-system/<name>, so with several
 * servers on one etcd exactly one runs it; stops it when leadership is lost. Resolves at once
 * (the election runs in the background); stop() stops the component and releases the Lease.
 */
export async function startElected(o: StartElectedOptions): Promise<Stoppable> {
  const { createClient } = await import('../client/index.js');
  return compose({ log: o.log }, async (parts) => {
    const client = await parts.start(
      'lease client',
      () => createClient({ ...o.connection, userAgent: `flotilla-leader-election/${o.name}` }),
      (c) => c.close(),
    );
    // One instance per term: started on becoming leader, stopped on losing the Lease or on stop().
    const term = new Restartable(o.start, (err) => o.log.error({ err, lease: o.name }, 'elected component failed'));
    await parts.start('leader election', () =>
      runWithLeaderElection({
        client,
        name: o.name,
        identity: serverIdentity(o.dataDir),
        log: o.log,
        retryPeriodMs: o.retryPeriodMs,
        onStartedLeading: () => term.on(),
        onStoppedLeading: () => term.off(),
      }),
    );
    return { stop: () => parts.stop() };
  });
}
