import { runCommand } from '../../machinery/exec/run-command.js';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR } from '../../machinery/net/cluster-network.js';

/**
 * Installs `blackhole` routes for the cluster's pod and service ranges (default 10.42.0.0/16 and
 * 10.43.0.0/16), so traffic for a pod or service that does not exist is dropped on this machine
 * instead of following the default route. The node's own pod CIDR route (the bridge's /24) is more
 * specific and wins. Idempotent (`ip route replace`); the routes stay when the agent stops, as k3s's do.
 */
export async function ensureBlackholeRoutes(
  cidrs: string[] = [DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR],
): Promise<void> {
  for (const cidr of cidrs) await runCommand('ip', ['route', 'replace', 'blackhole', cidr]);
}

/** Removes the blackhole routes (tests). Idempotent. */
export async function removeBlackholeRoutes(cidrs: string[]): Promise<void> {
  for (const cidr of cidrs) await runCommand('ip', ['route', 'del', 'blackhole', cidr], { allowFailure: true });
}
