/**
 * A real `flotilla server` (memory store) plus N hollow nodes in the test process, which run the
 * pods bound to them as "Running" — the set-up most controller integration tests share.
 */
import pino from 'pino';
import { createClient, type KubeClient } from '../../src/machinery/client/index.js';
import { HollowNodes } from '../../src/agent/hollow/index.js';
import { startTestServer, type TestServer, type TestServerOptions } from './cluster.js';

export interface HollowCluster {
  server: TestServer;
  /** A client authenticated with the join token (what the hollow nodes use). */
  client: KubeClient;
  hollow: HollowNodes;
  /** Stops the nodes, the client and the server. Safe to call after a failed start. */
  stop(): Promise<void>;
}

export async function startHollowCluster(opts: {
  count: number;
  namePrefix: string;
  server?: TestServerOptions;
}): Promise<HollowCluster> {
  const server = await startTestServer({ datastore: 'memory', ...opts.server });
  const client = createClient({ server: server.url, caPem: server.caPem, token: server.joinToken });
  const hollow = new HollowNodes({
    client,
    log: pino({ level: 'warn' }),
    count: opts.count,
    namePrefix: opts.namePrefix,
    leaseRenewIntervalMs: 1000,
    statusSyncIntervalMs: 1000,
  });
  await hollow.registerAll();
  hollow.start();
  return {
    server,
    client,
    hollow,
    async stop() {
      await hollow.stop();
      await client.close();
      await server.stop();
    },
  };
}
