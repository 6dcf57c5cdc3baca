import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * The address pods reach this server at, as kube-apiserver's --advertise-address defaults: the bind
 * address unless it is a wildcard, else the host's first non-loopback IPv4 address (undefined when
 * the host has none). Reads the OS.
 */
export function defaultAdvertiseAddress(bindAddress: string): string | undefined {
  if (isIP(bindAddress) && bindAddress !== '0.0.0.0' && bindAddress !== '::') return bindAddress;
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}
