/** The nftables table (family ip) of the NetworkPolicy enforcer of the node agent using `bridge` (named like the proxy's). */
export function networkPolicyTableName(bridge: string): string {
  return bridge === 'flotilla0' ? 'flotilla-netpol' : `flotilla-netpol-${bridge}`;
}
