import type { Logger } from 'pino';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { runCommand } from '../machinery/exec/run-command.js';
import { startDns, type RunningDns } from './start-dns.js';
import type { DnsMetrics } from './dns-metrics.js';

/** The cluster DNS Service address (kube-system/kube-dns, made by the API server's bootstrap). */
export const CLUSTER_DNS_IP = '10.43.0.10';

/** The first host address of an IPv4 CIDR (host-local's default gateway): 10.42.0.0/24 -> 10.42.0.1. */
export function gatewayAddress(cidr: string): { ip: string; prefix: number } {
  const [net, bits] = cidr.split('/');
  const parts = (net ?? '').split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const prefix = Number(bits ?? 32);
  const n = (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const gw = ((n & mask) + 1) >>> 0;
  return { ip: [gw >>> 24, (gw >>> 16) & 255, (gw >>> 8) & 255, gw & 255].join('.'), prefix };
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
