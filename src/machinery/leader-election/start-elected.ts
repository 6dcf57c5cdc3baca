import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { runWithLeaderElection } from './leader-elector.js';

/** Something that runs while this server leads (controllers, scheduler). */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface StartElectedOptions {
  /** The server's loopback Unix socket, for the election's own client. */
  socketPath: string;
  log: Logger;
  /** Lease name in kube-system, e.g. `flotilla-controller-manager`. */
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
  const client = createClient({
    server: 'http://localhost',
    socketPath: o.socketPath,
    userAgent: `flotilla-leader-election/${o.name}`,
  });
  let running: Promise<Stoppable | undefined> | undefined;
  const election = runWithLeaderElection({
    client,
    name: o.name,
    identity: serverIdentity(o.dataDir),
    log: o.log,
    retryPeriodMs: o.retryPeriodMs,
    onStartedLeading: () => {
      running = o.start();
    },
    onStoppedLeading: async () => {
      const r = running;
      running = undefined;
      await (await r)?.stop();
    },
  });
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= election.stop().finally(() => client.close());
      return stopping;
    },
  };
}
