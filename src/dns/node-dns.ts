import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { runCommand } from '../machinery/exec/run-command.js';
import { cidrNetwork, formatIPv4, parseIPv4Cidr } from '../machinery/net/ipv4.js';
import { startDns, type RunningDns } from './start-dns.js';
import type { DnsMetrics } from './dns-metrics.js';

/** The first host address of an IPv4 CIDR (host-local's default gateway): 10.42.0.0/24 -> 10.42.0.1. Throws for text that is not one. */
export function gatewayAddress(cidr: string): { ip: string; prefix: number } {
  const parsed = parseIPv4Cidr(cidr);
  if (!parsed) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  return { ip: formatIPv4(cidrNetwork(parsed) + 1), prefix: parsed.prefix };
}

export interface NodeDnsOptions {
  client: KubeClient;
  log: Logger;
  /** Pod bridge (made here with its gateway address when CNI has not made it yet). */
  bridge: string;
  /** The node's pod CIDR: the server listens on its gateway address (the bridge's). */
  podCIDR: string;
  /** Default 53. */
  port?: number;
  /** Where the server counts queries (the agent passes metrics registered in its /metrics registry). */
  metrics?: DnsMetrics;
}

export interface RunningNodeDns {
  /** Address and port the server listens on (the bridge gateway). */
  host: string;
  port: number;
  dns: RunningDns;
  stop(): Promise<void>;
}

/**
 * A node's cluster DNS server on its pod bridge's gateway address (not 0.0.0.0), upstreams from the
 * host's /etc/resolv.conf. The bridge and its address are created first when missing (CNI's bridge
 * plugin accepts both as they are), so the server can bind before the first pod exists.
 */
export async function startNodeDns(o: NodeDnsOptions): Promise<RunningNodeDns> {
  const gw = gatewayAddress(o.podCIDR);
  const have = await runCommand('ip', ['-o', '-4', 'addr', 'show', 'dev', o.bridge], { allowFailure: true });
  if (!have.stdout.includes(` ${gw.ip}/`)) {
    await runCommand('ip', ['link', 'add', o.bridge, 'type', 'bridge'], { allowFailure: true });
    await runCommand('ip', ['addr', 'replace', `${gw.ip}/${gw.prefix}`, 'dev', o.bridge]);
    await runCommand('ip', ['link', 'set', o.bridge, 'up']);
  }
  const dns = await startDns({
    client: o.client,
    log: o.log,
    listen: { host: gw.ip, port: o.port ?? 53 },
    metrics: o.metrics,
  });
  return { host: gw.ip, port: dns.port, dns, stop: () => dns.stop() };
}
