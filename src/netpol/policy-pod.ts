import type { Pod } from 'kubernetes-types/core/v1.js';
import { compareIPv4, isIPv4 } from '../machinery/net/ipv4.js';

/** A pod that policies apply to (selected or peer), with the IPv4 address rules match on. */
export interface PolicyPod {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  pod: Pod;
  ip: string;
}

/** `namespace/name` of an object (the order pods and policies are compiled in). Pure. */
export function objectKeyOf(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Plain code-unit order of two keys (as Array.prototype.sort without a comparator). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isPolicyIP(ip: string | undefined): ip is string {
  return !!ip && isIPv4(ip);
}

/** The pod's IPv4 address when policies can apply to it: has an IP, not host network, not finished. */
export function policyPodIP(pod: Pod): string | undefined {
  if (pod.spec?.hostNetwork) return undefined;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find(isPolicyIP);
}

/** Distinct IPv4 addresses in numeric order. */
export function sortIPs(ips: string[]): string[] {
  return [...new Set(ips)].sort(compareIPv4);
}

/** NetworkPolicy protocols -> nft protocol names. */
export const PROTOCOLS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** The number of the pod's container port with this name and protocol (lower-case nft name). */
export function containerPort(pod: Pod, name: string, proto: string): number | undefined {
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const cp of c.ports ?? []) {
      if (cp.name === name && (PROTOCOLS[cp.protocol ?? 'TCP'] ?? '') === proto) return cp.containerPort;
    }
  }
  return undefined;
}
