import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { DEFAULT_CLUSTER_DOMAIN, KUBERNETES_SERVICE_IP } from '../../machinery/net/cluster-network.js';

/** Subject alternative names of the API server's serving certificate. */
export interface ServingNames {
  dns: string[];
  ips: string[];
}

/** The in-cluster names of the `kubernetes` Service (its ClusterIP is KUBERNETES_SERVICE_IP). */
const CLUSTER_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  `kubernetes.default.svc.${DEFAULT_CLUSTER_DOMAIN}`,
];

/**
 * The names a client may use to reach this server: localhost and loopback addresses, the host
 * name, the host's non-loopback IPv4 addresses, the in-cluster Service names and IP, and `extra`
 * (host names or IP literals, e.g. from a `--tls-san` flag). Sorted and without duplicates, so two
 * calls on an unchanged host compare equal. Reads the OS each call; cheap (no I/O beyond uname).
 */
export function servingNames(extra: readonly string[] = []): ServingNames {
  const dns = new Set(['localhost', hostname(), ...CLUSTER_DNS_NAMES]);
  const ips = new Set(['127.0.0.1', '::1', KUBERNETES_SERVICE_IP]);
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) ips.add(a.address);
  }
  for (const name of extra) (isIP(name) ? ips : dns).add(name);
  dns.delete('');
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}
