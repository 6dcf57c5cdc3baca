import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterNodes, ClusterServers, ExtraServer, NodeLayout } from '../cluster-nodes/index.js';
import type { ClientOptions } from '../machinery/client/index.js';

/** The `--nodes`, `--cluster-name` and `--node-subnet` options of `flotilla up`. */
export interface UpNodesFlags {
  nodes?: number;
  clusterName?: string;
  nodeSubnet?: string;
  /** `--servers S`: servers 2..S in namespaces on the node bridge. */
  servers?: number;
  bindAddress: string;
  port: number;
}

/** What `up` needs for node 1 (the in-process agent) and the extra nodes. */
export interface UpNodesPlan {
  layout: NodeLayout;
  /** Node 1's pod bridge: flotilla0 for the default cluster name, `<name>0` for others. */
  podBridge?: string;
  /** Node 1's blackhole routes: the default ones, or none for a named cluster (beside another on this machine). */
  blackholeRoutes?: string[];
  /** Node 1's InternalIP: the node bridge address when there are extra nodes. */
  nodeIP?: string;
  /** Extra names for the serving certificate. */
  tlsSans: string[];
  /** Servers 2..S (`--servers S`); empty for one server. */
  servers: ExtraServer[];
}

/**
 * Checks the node options and, when there are extra nodes, makes the node bridge so the API server can
 * listen on it and name it in its certificate. Throws an Error naming the bad option.
 */
export async function prepareUpNodes(flags: UpNodesFlags): Promise<UpNodesPlan> {
  const { nodeLayout, ensureNodeBridge, serverLayout, DEFAULT_CLUSTER_NAME } = await import(
    '../cluster-nodes/index.js'
  );
  const cluster = flags.clusterName ?? DEFAULT_CLUSTER_NAME;
  const layout = nodeLayout(cluster, flags.nodes ?? 1, flags.nodeSubnet);
  const servers = serverLayout(layout, flags.servers ?? 1);
  const named = cluster !== DEFAULT_CLUSTER_NAME;
  const plan: UpNodesPlan = {
    layout,
    tlsSans: [],
    servers,
    ...(named ? { podBridge: `${cluster}0`, blackholeRoutes: [] } : {}),
  };
  if (!layout.nodes.length && !servers.length) return plan;
  if (flags.bindAddress !== '0.0.0.0' && flags.bindAddress !== layout.hostIP) {
    const what = servers.length ? `--servers ${flags.servers}` : `--nodes ${flags.nodes}`;
    throw new Error(`${what} needs the API server on the node bridge: --bind-address 0.0.0.0 or ${layout.hostIP}`);
  }
  await ensureNodeBridge(layout);
  plan.nodeIP = layout.hostIP;
  plan.tlsSans.push(layout.hostIP);
  return plan;
}

/** Starts the extra nodes once the API server listens on `port`. */
export async function startUpNodes(
  plan: UpNodesPlan,
  o: { dataDir: string; port: number; log: Logger; logLevel: string; progress: (line: string) => void },
): Promise<ClusterNodes | undefined> {
  if (!plan.layout.nodes.length) return undefined;
  const [{ startClusterNodes }, { tlsDir, TLS_FILES }, { resolve }] = await Promise.all([
    import('../cluster-nodes/index.js'),
    import('../apiserver/tls/tls-material.js'),
    import('node:path'),
  ]);
  const dataDir = resolve(o.dataDir);
  o.progress(
    `starting ${plan.layout.nodes.length} more node(s): network namespaces on bridge ${plan.layout.bridge} (${plan.layout.subnet}, this host ${plan.layout.hostIP})`,
  );
  return startClusterNodes({
    dataDir,
    layout: plan.layout,
    serverUrl: `https://${plan.layout.hostIP}:${o.port}`,
    serverUrls: [plan.layout.hostIP, ...plan.servers.map((s) => s.ip)].map((ip) => `https://${ip}:${o.port}`),
    tokenFile: join(dataDir, 'token'),
    caFile: join(tlsDir(dataDir), TLS_FILES.caCert),
    log: o.log,
    progress: o.progress,
    logLevel: o.logLevel,
  });
}

/**
 * Tells the terminal of `up` how the nodes come Ready (nodes-ready.ts), in the background, through
 * a client of its own on the server's loopback socket (`connect`). stop() ends the wait and closes
 * the client. Never rejects: a failure is only the end of the report.
 */
export function reportNodesReady(o: {
  names: string[];
  connect: (user: { name: string; groups: string[] }, userAgent: string) => ClientOptions;
  progress: (line: string) => void;
}): { stop(): Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const [{ createClient }, { waitNodesReady }, { NODES }] = await Promise.all([
      import('../machinery/client/index.js'),
      import('./nodes-ready.js'),
      import('../machinery/resources/well-known.js'),
    ]);
    const client = createClient(
      o.connect({ name: 'flotilla-up', groups: ['system:masters', 'system:authenticated'] }, 'flotilla-up'),
    );
    try {
      await waitNodesReady({
        names: o.names,
        listNodes: async () => (await client.list(NODES, '')).items,
        progress: o.progress,
        stopped: () => stopped,
      });
    } finally {
      await client.close();
    }
  })().catch(() => undefined);
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * Starts servers 2..S (`up --servers S`) once server 1 listens on `port`: they join through it. On a
 * restart (`together`) they start beside server 1 from the data they have, on `port`.
 */
export async function startUpServers(
  plan: UpNodesPlan,
  o: {
    dataDir: string;
    port: number;
    log: Logger;
    logLevel: string;
    progress: (line: string) => void;
    /** A restart: every member has its data; start them all at once, beside server 1. */
    together?: boolean;
  },
): Promise<ClusterServers | undefined> {
  if (!plan.servers.length) return undefined;
  const [{ startClusterServers }, { tlsDir, TLS_FILES }, { resolve }] = await Promise.all([
    import('../cluster-nodes/index.js'),
    import('../apiserver/tls/tls-material.js'),
    import('node:path'),
  ]);
  const dataDir = resolve(o.dataDir);
  o.progress(
    `starting ${plan.servers.length} more server(s) with etcd members: network namespaces on bridge ${plan.layout.bridge}`,
  );
  return startClusterServers({
    dataDir,
    layout: plan.layout,
    servers: plan.servers,
    joinUrl: `https://${plan.layout.hostIP}:${o.port}`,
    port: o.port,
    adminTokenFile: join(dataDir, 'admin-token'),
    caFile: join(tlsDir(dataDir), TLS_FILES.caCert),
    log: o.log,
    progress: o.progress,
    logLevel: o.logLevel,
    together: o.together,
  });
}
