/**
 * A real `flotilla server` (memory store) plus N hollow nodes in the test process, which run the
 * pods bound to them as "Running" — the set-up most controller integration tests share. Each
 * hollow node writes as itself (`system:node:<name>`, impersonated by the admin client), so the
 * Node authorizer and NodeRestriction of the default `Node,RBAC` judge it as a real agent.
 */
import pino from 'pino';
import { createClient, impersonatingClient, type KubeClient } from '../../src/machinery/client/index.js';
import { HollowNodes } from '../../src/agent/hollow/index.js';
import { startTestServer, type TestServer, type TestServerOptions } from './cluster.js';

export interface HollowCluster {
  server: TestServer;
  /** An admin client (system:masters); the hollow nodes impersonate their nodes through it. */
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
  const client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  const hollow = new HollowNodes({
    client,
    clientFor: (name) => hollowNodeClient(client, name),
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

/** A client acting as node `name` (user system:node:<name>, group system:nodes) over `admin`'s connections. */
export function hollowNodeClient(admin: KubeClient, name: string): KubeClient {
  return impersonatingClient(admin, `system:node:${name}`, ['system:nodes']);
}
