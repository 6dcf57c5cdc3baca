import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../validation/quantity.js';

const COMPUTE = ['cpu', 'memory'];

/** The pod's QoS class as qos.GetPodQOS computes it: Guaranteed, Burstable or BestEffort. */
export function podQOSClass(spec: PodSpec): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Container[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  const requests: Record<string, number> = {};
  const limits: Record<string, number> = {};
  let zeroQuantity = true;
  let guaranteed = true;
  for (const c of containers) {
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) {
      if (!COMPUTE.includes(name)) continue;
      const v = parseQuantity(q) ?? 0;
      if (v > 0) {
        zeroQuantity = false;
        requests[name] = (requests[name] ?? 0) + v;
      }
    }
    const seen = new Set<string>();
    for (const [name, q] of Object.entries(c.resources?.limits ?? {})) {
      if (!COMPUTE.includes(name)) continue;
      const v = parseQuantity(q) ?? 0;
      if (v > 0) {
        zeroQuantity = false;
        seen.add(name);
        limits[name] = (limits[name] ?? 0) + v;
      }
    }
    if (!COMPUTE.every((n) => seen.has(n))) guaranteed = false;
  }
  if (zeroQuantity) return 'BestEffort';
  if (guaranteed) {
    for (const [name, v] of Object.entries(requests))
      if (limits[name] !== v) {
        guaranteed = false;
        break;
      }
  }
  return guaranteed && Object.keys(limits).length === COMPUTE.length ? 'Guaranteed' : 'Burstable';
}
