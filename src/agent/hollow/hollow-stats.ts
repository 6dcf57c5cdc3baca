/**
 * Fake metrics for hollow nodes: one agent HTTPS server per hollow-nodes process (the real agent's
 * server, src/agent/server/agent-server.ts, on 127.0.0.1) serving `/stats/summary` and
 * `/metrics/resource` for all its nodes from FakeStatsProvider. Each node advertises the server's
 * port in daemonEndpoints and carries the label `flotilla.dev/agent-host: 127.0.0.1`, so the API
 * server connects there (hollow InternalIPs are not routable) and names the node by the Host header
 * `<InternalIP>:<port>` it sends. The server presents each node (by SNI) a kubelet-serving
 * certificate of its own, requested through a CertificateSigningRequest on the node's first
 * connection (`system:node:<name>`, its name and InternalIP), as a real agent's, so the API
 * server's checks (cluster CA, node name, InternalIP) hold. The process's client approves the
 * requests itself when it may (an administrator's credentials, or any under AlwaysAllow). Callers
 * are authorized by SubjectAccessReview as by a real agent.
 *
 *   startHollowStats() --> port --> new HollowNodes({kubeletPort, labels}) --> attach(hollow) --> publish(client)
 *
 * Off unless asked for (startHollowNodesWithStats): a certificate per node would weigh on scale tests.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { startAgentServer, type RunningAgentServer } from '../server/agent-server.js';
import { AgentCallerAuth, apiReviews } from '../server/caller-auth.js';
import { approveOwnRequest, nodeServingRequest, requestCertificate, servingNamesOf } from '../certificates/index.js';
import { AGENT_HOST_LABEL } from '../../api/stats/summary-types.js';
import { FakeStatsProvider } from './fake-stats.js';
import { HollowNodes, type HollowNodesOptions } from './hollow-nodes.js';

export interface HollowStats {
  server: RunningAgentServer;
  /** Labels every hollow node of the process must carry (the agent host). */
  labels: Record<string, string>;
  /** Serves the pods of these nodes from now on. */
  attach(hollow: HollowNodes): void;
  /** Authorizes callers and requests the nodes' serving certificates through this client from now on. */
  publish(client: KubeClient, nodes: string[]): Promise<void>;
  close(): Promise<void>;
}

/** `clusterCaPem`: the cluster CA, which signs the API server's client certificate. */
export async function startHollowStats(log: Logger, clusterCaPem?: string): Promise<HollowStats> {
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
  let api: KubeClient | undefined;
  const certificateFor = async (name: string) => {
    const ip = hollow?.internalIP(name);
    if (!api || ip === undefined) throw new Error(`${name} is not a hollow node of this process (yet)`);
    const client = api;
    const names = servingNamesOf(name, [{ type: 'InternalIP', address: ip }]);
    return requestCertificate(client, nodeServingRequest(name, names), {
      afterCreate: (csr) => approveOwnRequest(client, csr, name, log),
      timeoutMs: 30_000,
    });
  };
  const server = await startAgentServer({
    nodeName: 'hollow-stats',
    nodeIP: '127.0.0.1',
    host: '127.0.0.1',
    port: 0,
    log,
    handlers: { findPod: () => undefined, isRunning: () => false, stats: provider },
    clusterCaPem,
    perNodeCertificate: certificateFor,
  });
  return {
    server,
    labels: { [AGENT_HOST_LABEL]: '127.0.0.1' },
    attach(h) {
      hollow = h;
      byIp.clear();
    },
    async publish(client, _nodes) {
      api = client;
      server.authorizeWith(new AgentCallerAuth({ reviews: apiReviews(client) }));
    },
    close: () => server.close(),
  };
}

/** HollowNodes whose nodes report fake metrics: starts the stats server, the nodes (registered and started) and publishes the credentials. */
export async function startHollowNodesWithStats(
  opts: HollowNodesOptions & { clusterCaPem?: string },
): Promise<{ hollow: HollowNodes; stats: HollowStats }> {
  const stats = await startHollowStats(opts.log, opts.clusterCaPem);
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
