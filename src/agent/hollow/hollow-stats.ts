/**
 * Fake metrics for hollow nodes: one agent HTTPS server per hollow-nodes process (the real agent's
 * server, src/agent/server/agent-server.ts, on 127.0.0.1) serving `/stats/summary` and
 * `/metrics/resource` for all its nodes from FakeStatsProvider. Each node advertises the server's
 * port in daemonEndpoints and carries the label `flotilla.dev/agent-host: 127.0.0.1`, so the API
 * server connects there (hollow InternalIPs are not routable) and names the node by the Host header
 * `<InternalIP>:<port>` it sends; the server's CA and token are published in every node's
 * `kube-system/flotilla-agent-<node>` Secret, as a real agent does.
 *
 *   startHollowStats() --> port --> new HollowNodes({kubeletPort, labels}) --> attach(hollow) --> publish(client)
 *
 * Off unless asked for (startHollowNodesWithStats): N Secrets for N nodes would weigh on scale tests.
 */
import type { Logger } from 'pino';
import { isConflict } from '../../machinery/client/client-error.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import {
  AGENT_SECRET_NAMESPACE,
  agentSecretName,
  startAgentServer,
  type RunningAgentServer,
} from '../server/agent-server.js';
import { AGENT_HOST_LABEL } from '../../api/stats/summary-types.js';
import { FakeStatsProvider } from './fake-stats.js';
import { HollowNodes, type HollowNodesOptions } from './hollow-nodes.js';
import { SECRETS } from '../../machinery/resources/well-known.js';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export interface HollowStats {
  server: RunningAgentServer;
  /** Labels every hollow node of the process must carry (the agent host). */
  labels: Record<string, string>;
  /** Serves the pods of these nodes from now on. */
  attach(hollow: HollowNodes): void;
  /** Writes (or rewrites) the agent Secret of every node. */
  publish(client: KubeClient, nodes: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startHollowStats(log: Logger): Promise<HollowStats> {
  let hollow: HollowNodes | undefined;
  const byIp = new Map<string, string>();
  const provider = new FakeStatsProvider({
    nodeFor: (host) => {
      if (!host || !hollow) return undefined;
      const ip = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (byIp.size === 0) for (const n of hollow.names) byIp.set(hollow.internalIP(n) ?? '', n);
      return byIp.get(ip);
    },
    podsOn: (node) => hollow?.podsOn(node) ?? [],
  });
  const server = await startAgentServer({
    nodeName: 'hollow-stats',
    nodeIP: '127.0.0.1',
    host: '127.0.0.1',
    port: 0,
    log,
    handlers: { findPod: () => undefined, isRunning: () => false, stats: provider },
  });
  return {
    server,
    labels: { [AGENT_HOST_LABEL]: '127.0.0.1' },
    attach(h) {
      hollow = h;
      byIp.clear();
    },
    async publish(client, nodes) {
      const data = {
        'ca.crt': Buffer.from(server.caPem).toString('base64'),
        token: Buffer.from(server.token).toString('base64'),
      };
      await Promise.all(
        nodes.map(async (node) => {
          const secret = {
            apiVersion: 'v1',
            kind: 'Secret',
            type: 'Opaque',
            metadata: {
              name: agentSecretName(node),
              namespace: AGENT_SECRET_NAMESPACE,
              labels: { 'flotilla.dev/agent': node },
            },
            data,
          } satisfies ObjectOf<Secret>;
          try {
            await client.create(SECRETS, AGENT_SECRET_NAMESPACE, secret);
          } catch (err) {
            if (!isConflict(err) && (err as { code?: number }).code !== 409) throw err;
            const live = await client.get(SECRETS, AGENT_SECRET_NAMESPACE, secret.metadata.name);
            await client.update(SECRETS, AGENT_SECRET_NAMESPACE, {
              ...secret,
              metadata: { ...secret.metadata, resourceVersion: live.metadata.resourceVersion },
            });
          }
        }),
      );
    },
    close: () => server.close(),
  };
}

/** HollowNodes whose nodes report fake metrics: starts the stats server, the nodes (registered and started) and publishes the credentials. */
export async function startHollowNodesWithStats(
  opts: HollowNodesOptions,
): Promise<{ hollow: HollowNodes; stats: HollowStats }> {
  const stats = await startHollowStats(opts.log);
  const hollow = new HollowNodes({
    ...opts,
    kubeletPort: stats.server.port,
    labels: { ...opts.labels, ...stats.labels },
  });
  stats.attach(hollow);
  try {
    await hollow.registerAll();
    hollow.start();
    await stats.publish(opts.client, hollow.names);
  } catch (err) {
    await hollow.stop();
    await stats.close();
    throw err;
  }
  return { hollow, stats };
}
