/** The nftables table (family ip) of the service proxy of the node agent using `bridge`. */
export function proxyTableName(bridge: string): string {
  return bridge === 'flotilla0' ? 'flotilla-proxy' : `flotilla-proxy-${bridge}`;
}
