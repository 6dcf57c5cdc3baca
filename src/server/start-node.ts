import { startAgent, type AgentOptions, type RunningAgent } from '../agent/agent.js';
import { DnsMetrics } from '../dns/dns-metrics.js';
import { startNodeDns } from '../dns/node-dns.js';
import { CLUSTER_DNS_IP, DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR } from '../machinery/net/cluster-network.js';
import { compose, optional } from '../machinery/lifecycle/runnables.js';
import { startNetworkPolicy, type RunningNetworkPolicy } from '../netpol/index.js';
import { startProxy, type RunningProxy } from '../proxy/index.js';
import { startIngress, type RunningIngress, type StartIngressOptions } from '../ingress/index.js';
import { join } from 'node:path';
import { networkPolicyTableName, proxyTableName } from '../machinery/nftables/node-tables.js';

export interface NodeOptions extends Omit<AgentOptions, 'clusterDns' | 'endpointWithdrawal'> {
  /** Service proxy (nftables table `flotilla-proxy`, or `flotilla-proxy-<bridge>` for another bridge); default true. */
  proxy?: boolean;
  /** NetworkPolicy enforcement for this node's pods (nftables table `flotilla-netpol[-<bridge>]`); default true. */
  networkPolicy?: boolean;
  /** Cluster pod range (default 10.42.0.0/16): the proxy masquerades only sources outside it (and hairpin). */
  clusterCIDR?: string;
  /** More addresses NodePorts answer on besides nodeIP (loopback never). */
  nodePortAddresses?: string[];
  /**
   * Cluster DNS on the bridge gateway (port 53 unless given), reached by pods at 10.43.0.10 through a
   * static DNAT in the proxy's table; pods with dnsPolicy ClusterFirst get it in resolv.conf. Default
   * true; needs the proxy. A server that cannot start is logged and pods keep the host's resolv.conf.
   */
  dns?: boolean | { port?: number };
  /**
   * The L7 data plane (one HAProxy for the Ingresses of the `flotilla` class; runtime files in
   * `<data-dir>/ingress`). Default off here (tests opt in); `flotilla agent` and `up` turn it on with
   * ports 80 and 443. A proxy that cannot start (a port taken, no haproxy) is logged; the node runs without.
   */
  ingress?: boolean | Pick<StartIngressOptions, 'bindAddress' | 'httpPort' | 'httpsPort' | 'metricsPort' | 'threads'>;
  /**
   * How long a deleted pod that was a ready endpoint stays up after this node's proxies applied its
   * withdrawal, before its containers are signalled: the bound for the other nodes' proxies, fed by
   * the same watch event, to apply it too (default 1000 ms; within half the grace period).
   */
  withdrawalSettleMs?: number;
}

export interface RunningNode extends RunningAgent {
  /** Undefined when off or when it failed to start (logged). */
  proxy?: RunningProxy;
  /** Undefined when off or when it failed to start (logged). */
  networkPolicy?: RunningNetworkPolicy;
  /** Undefined when off or when it failed to start (logged). */
  ingress?: RunningIngress;
}

/**
 * Default of NodeOptions.withdrawalSettleMs. Every node's proxy gets an EndpointSlice change from
 * the same watch and applies it within tens of ms (coalescing 50 ms, one nft transaction); a
 * second covers a loaded node without holding a pod much longer than the preStop sleeps
 * Kubernetes users add for the same purpose (5 to 15 s).
 */
export const DEFAULT_WITHDRAWAL_SETTLE_MS = 1000;

/**
 * A node as `flotilla up` and `flotilla agent` run it: the node agent with the cluster DNS server
 * plugged in, then the service proxy, NetworkPolicy enforcement and the ingress proxy beside it. The agent must start;
 * DNS, proxy and policy enforcement are optional (a failure is logged and the node runs without).
 * A deleted pod's containers are signalled only once the proxy and the ingress proxy have applied
 * its withdrawal (its EndpointSlice endpoint no longer ready) and withdrawalSettleMs have passed.
 * stop() stops them in reverse order; containers keep running under conmon. Idempotent.
 */
export async function startNode(o: NodeOptions): Promise<RunningNode> {
  const log = o.log.child({ component: 'agent', node: o.nodeName });
  const proxyOn = o.proxy ?? true;
  const dnsOn = (o.dns ?? true) !== false && proxyOn;
  const dnsMetrics = new DnsMetrics(); // served on the agent's /metrics
  // The proxies start after the agent (they need its bridge): the agent's stop path reads them late.
  const planes: { proxy?: RunningProxy; ingress?: RunningIngress } = {};
  const settleMs = o.withdrawalSettleMs ?? DEFAULT_WITHDRAWAL_SETTLE_MS;
  const endpointWithdrawal = (ip: string, budgetMs: number) => {
    const wait = { deadline: performance.now() + budgetMs, settleMs };
    return Promise.all(
      [planes.proxy?.withdrawals, planes.ingress?.withdrawals].map((w) => w?.waitWithdrawn(ip, wait) ?? 'not-served'),
    );
  };
  return compose({ log }, async (parts) => {
    const agent = await parts.start('node agent', () =>
      startAgent({
        ...o,
        endpointWithdrawal,
        metricsRegistries: [...(o.metricsRegistries ?? []), dnsMetrics.registry],
        clusterDns: dnsOn
          ? (network) =>
              optional(
                async () => ({
                  ...(await startNodeDns({
                    client: o.client,
                    log,
                    bridge: network.bridge,
                    podCIDR: network.podCIDR,
                    port: typeof o.dns === 'object' ? o.dns.port : undefined,
                    metrics: dnsMetrics,
                  })),
                  nameserver: CLUSTER_DNS_IP,
                }),
                (err) => log.error({ err }, 'cluster DNS not started; pods get the host resolv.conf'),
              )
          : undefined,
      }),
    );
    const bridge = agent.network.bridge;
    const dns = agent.clusterDns;
    const proxy = proxyOn
      ? await parts.start('service proxy', () =>
          optional(
            () =>
              startProxy({
                client: o.client,
                log,
                table: proxyTableName(bridge),
                // The service range's blackhole would fail host connects to ClusterIPs before the output hook: route it to the bridge.
                serviceRoute: agent.blackholeRoutes.includes(DEFAULT_SERVICE_CIDR)
                  ? { cidr: DEFAULT_SERVICE_CIDR, dev: bridge }
                  : undefined,
                staticDnat: dns
                  ? [{ ip: dns.nameserver, port: 53, to: dns.host, toPort: dns.port, iifname: bridge }]
                  : undefined,
                nodeName: o.nodeName,
                // NodePorts on the node's own addresses; pods keep their source address (cluster CIDR) where the bridge is hooked.
                nodePortAddresses: [o.nodeIP, ...(o.nodePortAddresses ?? [])],
                clusterCIDR: o.clusterCIDR ?? DEFAULT_CLUSTER_CIDR,
              }),
            (err) => log.error({ err }, 'service proxy not started'),
          ),
        )
      : undefined;
    const networkPolicy =
      (o.networkPolicy ?? true)
        ? await parts.start('network policy', () =>
            optional(
              () =>
                startNetworkPolicy({
                  client: o.client,
                  log,
                  nodeName: o.nodeName,
                  table: networkPolicyTableName(bridge),
                }),
              (err) => log.error({ err }, 'network policy enforcement not started'),
            ),
          )
        : undefined;
    const ingress = o.ingress
      ? await parts.start('ingress proxy', () =>
          optional(
            () =>
              startIngress({
                client: o.client,
                log,
                dir: join(o.dataDir, 'ingress'),
                ...(typeof o.ingress === 'object' ? o.ingress : {}),
              }),
            (err) => log.error({ err }, 'ingress proxy not started'),
          ),
        )
      : undefined;
    planes.proxy = proxy;
    planes.ingress = ingress;
    return { ...agent, proxy, networkPolicy, ingress, stop: () => parts.stop() };
  });
}
