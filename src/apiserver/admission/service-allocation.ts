import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import { errors, fieldErrors } from '../../api/errors.js';
import { DEFAULT_SERVICE_CIDR } from '../../machinery/net/cluster-network.js';
import { cidrNetwork, cidrSize, formatIPv4, parseIPv4, parseIPv4Cidr } from '../../machinery/net/ipv4.js';
import type { WatchCache } from '../watch-cache.js';

type ServicePort = { port?: number; nodePort?: number };
type ServiceSpec = { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[] };

export interface ServiceRanges {
  /** The service CIDR as its network address and number of addresses (default DEFAULT_SERVICE_CIDR). */
  base: number;
  size: number;
  nodePortMin: number;
  nodePortMax: number;
}

export const DEFAULT_SERVICE_RANGES: ServiceRanges = {
  ...serviceCidrRange(DEFAULT_SERVICE_CIDR),
  nodePortMin: 30000,
  nodePortMax: 32767,
};

/**
 * Allocates a Service's cluster IP and node ports on create (and on update when the type starts
 * needing them), keeping those of the stored object. Used addresses come from the watch cache.
 * Clients may ask for a specific free IP or port; a taken one is a 422 as in Kubernetes.
 */
export function allocateServiceAddresses(
  cache: WatchCache,
  ranges: ServiceRanges,
  svc: KubeObject,
  old: KubeObject | undefined,
): void {
  const spec = (svc.spec ??= {}) as ServiceSpec;
  const oldSpec = (old?.spec ?? {}) as ServiceSpec;
  const name = svc.metadata.name ?? '';
  const type = spec.type ?? 'ClusterIP';
  const used = usedAddresses(cache, svc);

  if (type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else if (old && oldSpec.clusterIP && (spec.clusterIP === undefined || spec.clusterIP === '')) {
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = oldSpec.clusterIPs ?? [oldSpec.clusterIP];
  } else if (spec.clusterIP === 'None') {
    spec.clusterIPs = ['None'];
  } else if (spec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
    const ip = parseIPv4(spec.clusterIP);
    if (ip === undefined || ip < ranges.base || ip >= ranges.base + ranges.size) {
      throw errors.invalid('Service', name, [
        fieldErrors.invalid(
          'spec.clusterIPs',
          [spec.clusterIP],
          `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${formatIPv4(ranges.base)}/${32 - Math.log2(ranges.size)}`,
        ),
      ]);
    }
    if (used.ips.has(spec.clusterIP)) {
      throw errors.invalid('Service', name, [
        fieldErrors.invalid(
          'spec.clusterIPs',
          [spec.clusterIP],
          `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`,
        ),
      ]);
    }
    spec.clusterIPs = [spec.clusterIP];
  } else if (!spec.clusterIP) {
    spec.clusterIP = freeIp(ranges, used.ips);
    spec.clusterIPs = [spec.clusterIP];
  }

  const needsNodePorts = type === 'NodePort' || type === 'LoadBalancer';
  const oldPorts = new Map((oldSpec.ports ?? []).map((p) => [p.port, p.nodePort]));
  (spec.ports ?? []).forEach((p, i) => {
    if (!needsNodePorts) {
      delete p.nodePort;
      return;
    }
    if (p.nodePort === undefined || p.nodePort === 0) {
      const kept = oldPorts.get(p.port);
      p.nodePort = kept ?? freePort(ranges, used.ports);
      used.ports.add(p.nodePort);
      return;
    }
    if (p.nodePort < ranges.nodePortMin || p.nodePort > ranges.nodePortMax) {
      throw errors.invalid('Service', name, [
        fieldErrors.invalid(
          `spec.ports[${i}].nodePort`,
          p.nodePort,
          `provided port is not in the valid range. The range of valid ports is ${ranges.nodePortMin}-${ranges.nodePortMax}`,
        ),
      ]);
    }
    if (used.ports.has(p.nodePort) && !(oldSpec.ports ?? []).some((o) => o.nodePort === p.nodePort)) {
      throw errors.invalid('Service', name, [
        fieldErrors.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'),
      ]);
    }
    used.ports.add(p.nodePort);
  });
}

function usedAddresses(cache: WatchCache, self: KubeObject): { ips: Set<string>; ports: Set<number> } {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const o of cache.list('/registry/core/services/', '')) {
    if (o.namespace === self.metadata.namespace && o.name === self.metadata.name) continue;
    const spec = o.object().spec as ServiceSpec;
    for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) ips.add(ip);
    for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  }
  return { ips, ports };
}

function freeIp(r: ServiceRanges, used: Set<string>): string {
  // Skip the network address and .1 (the `kubernetes` Service's, reserved); random probing then a scan.
  for (let i = 0; i < 64; i++) {
    const ip = formatIPv4(r.base + 2 + randomInt(r.size - 3));
    if (!used.has(ip)) return ip;
  }
  for (let n = r.base + 2; n < r.base + r.size - 1; n++) if (!used.has(formatIPv4(n))) return formatIPv4(n);
  throw errors.internal('failed to allocate a service IP: range is full');
}

function freePort(r: ServiceRanges, used: Set<number>): number {
  for (let i = 0; i < 64; i++) {
    const p = r.nodePortMin + randomInt(r.nodePortMax - r.nodePortMin + 1);
    if (!used.has(p)) return p;
  }
  for (let p = r.nodePortMin; p <= r.nodePortMax; p++) if (!used.has(p)) return p;
  throw errors.internal('failed to allocate a node port: range is full');
}

/** The base and size of a service CIDR such as 10.43.0.0/16; throws for text that is not an IPv4 CIDR. */
function serviceCidrRange(cidr: string): Pick<ServiceRanges, 'base' | 'size'> {
  const parsed = parseIPv4Cidr(cidr);
  if (!parsed) throw new Error(`invalid service CIDR ${cidr}`);
  return { base: cidrNetwork(parsed), size: cidrSize(parsed.prefix) };
}
