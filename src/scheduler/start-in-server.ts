import type { Logger } from 'pino';
import { compose } from '../machinery/lifecycle/runnables.js';
import type { ClientOptions } from '../machinery/client/create-client.js';

export interface InServerSchedulerOptions {
  /** How to reach the API: this server's loopback socket (server/loopback-server.ts) as system:kube-scheduler. */
  connection: ClientOptions;
  log: Logger;
}

/**
 * Starts the scheduler inside `flotilla server`, next to the controllers: its own HTTP client over the
 * loopback Unix socket (as its own user) (DESIGN.md: the API only through the client). Modules are imported here, after the
 * server listens. Never rejects: a failure to start is logged and resolves to undefined. stop()
 * stops the scheduler, then closes its client.
 */
export async function startSchedulerInServer(
  o: InServerSchedulerOptions,
): Promise<{ stop(): Promise<void> } | undefined> {
  try {
    const [{ createClient }, { startScheduler }] = await Promise.all([
      import('../machinery/client/index.js'),
      import('./index.js'),
    ]);
    return await compose({ log: o.log }, async (parts) => {
      const client = await parts.start(
        'scheduler client',
        () => createClient({ ...o.connection, userAgent: 'flotilla-scheduler' }),
        (c) => c.close(),
      );
      await parts.start('scheduler', () => startScheduler({ client, log: o.log }));
      return { stop: () => parts.stop() };
    });
  } catch (err) {
    o.log.error({ err }, 'scheduler failed to start');
    return undefined;
  }
}
