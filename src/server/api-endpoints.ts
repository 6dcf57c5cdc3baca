import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { KubeClient } from '../machinery/client/kube-client.js';
import { ENDPOINTS, ENDPOINT_SLICES } from '../machinery/resources/well-known.js';

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

/**
 * Points the `default/kubernetes` Service at this server, as kube-apiserver's endpoint reconciler:
 * the EndpointSlice `kubernetes` (what service proxies read) and the Endpoints `kubernetes`, with
 * the advertised address and the HTTPS port. Server-side apply as `kube-apiserver`: idempotent,
 * and a server started later (another port or address) takes the endpoints over.
 */
export async function publishApiEndpoints(client: KubeClient, address: string, port: number): Promise<void> {
  const opts = { fieldManager: 'kube-apiserver', force: true };
  const addressType = address.includes(':') ? 'IPv6' : 'IPv4';
  await client.patch(
    ENDPOINT_SLICES,
    'default',
    'kubernetes',
    'apply',
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType,
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    },
    opts,
  );
  await client.patch(
    ENDPOINTS,
    'default',
    'kubernetes',
    'apply',
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
    },
    opts,
  );
}
