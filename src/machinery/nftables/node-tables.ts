/**
 * Names of the nftables tables (family ip) a node agent's parts own. They live here, below the
 * components, because more than the owner needs them: the proxy and the NetworkPolicy enforcer
 * create their table, and the agent's kill-all deletes both after an agent was killed with -9.
 * The agent of the default bridge (`flotilla0`) owns the short names; an agent on another bridge
 * (a named cluster, a test node) suffixes its bridge, so several agents share one host.
 */

const DEFAULT_BRIDGE = 'flotilla0';

/** The service proxy's table for the node agent using `bridge`. */
export function proxyTableName(bridge: string): string {
  return bridge === DEFAULT_BRIDGE ? 'flotilla-proxy' : `flotilla-proxy-${bridge}`;
}

/** The NetworkPolicy enforcer's table for the node agent using `bridge` (named like the proxy's). */
export function networkPolicyTableName(bridge: string): string {
  return bridge === DEFAULT_BRIDGE ? 'flotilla-netpol' : `flotilla-netpol-${bridge}`;
}
