import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.js';

/**
 * A resource vector in integer units: cpu in millicores, memory and ephemeral storage in bytes,
 * extended resources (e.g. `nvidia.com/gpu`, `hugepages-2Mi`) in their own units.
 */
export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended (scalar) resources; undefined when none. */
  scalars?: Record<string, number>;
}

/** kube-scheduler's defaults for containers without requests, used only for scoring (non-zero requests). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
}

type QuantityMap = Record<string, string | number> | undefined;

/** Resources of a quantity map (requests, allocatable); unparsable values count as 0. Pure. */
export function resourcesOf(list: QuantityMap): Resources {
  const r = emptyResources();
  for (const [name, q] of Object.entries(list ?? {})) addQuantity(r, name, q);
  return r;
}

function addQuantity(r: Resources, name: string, q: string | number): void {
  const v = parseQuantity(q) ?? 0;
  switch (name) {
    case 'cpu':
      r.milliCpu += Math.ceil(v * 1000 - 1e-9);
      break;
    case 'memory':
      r.memory += Math.ceil(v - 1e-9);
      break;
    case 'ephemeral-storage':
      r.ephemeralStorage += Math.ceil(v - 1e-9);
      break;
    case 'pods':
      break;
    default:
      if (isScalarResource(name)) (r.scalars ??= {})[name] = (r.scalars[name] ?? 0) + v;
  }
}

/** Extended resources (domain-prefixed, not kubernetes.io/) and hugepages count as scalars. */
export function isScalarResource(name: string): boolean {
  if (name.startsWith('hugepages-')) return true;
  if (!name.includes('/')) return false;
  return !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');
}

export function addInto(into: Resources, r: Resources, sign = 1): void {
  into.milliCpu += sign * r.milliCpu;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  if (r.scalars) {
    const s = (into.scalars ??= {});
    for (const [k, v] of Object.entries(r.scalars)) s[k] = (s[k] ?? 0) + sign * v;
  }
}

function maxInto(into: Resources, r: Resources): void {
  into.milliCpu = Math.max(into.milliCpu, r.milliCpu);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  if (r.scalars) {
    const s = (into.scalars ??= {});
    for (const [k, v] of Object.entries(r.scalars)) s[k] = Math.max(s[k] ?? 0, v);
  }
}

/** Requests plus the defaults for cpu and memory when a container sets none (scoring only). */
function nonZero(c: Container): { milliCpu: number; memory: number } {
  const req = c.resources?.requests ?? {};
  const r = resourcesOf(req as QuantityMap);
  return {
    milliCpu: 'cpu' in req ? r.milliCpu : DEFAULT_MILLI_CPU_REQUEST,
    memory: 'memory' in req ? r.memory : DEFAULT_MEMORY_REQUEST,
  };
}

/**
 * What a pod asks of a node (resource.PodRequests): the sum over containers, raised to the largest
 * init container (they run one at a time, before the others), plus spec.overhead. `nonZero` is the
 * same with kube-scheduler's defaults (100m, 200Mi) for containers without requests. Pure.
 */
export function podRequests(spec: PodSpec): { requests: Resources; nonZero: { milliCpu: number; memory: number } } {
  const requests = emptyResources();
  const nz = { milliCpu: 0, memory: 0 };
  for (const c of spec.containers ?? []) {
    addInto(requests, resourcesOf(c.resources?.requests as QuantityMap));
    const n = nonZero(c);
    nz.milliCpu += n.milliCpu;
    nz.memory += n.memory;
  }
  for (const c of spec.initContainers ?? []) {
    maxInto(requests, resourcesOf(c.resources?.requests as QuantityMap));
    const n = nonZero(c);
    nz.milliCpu = Math.max(nz.milliCpu, n.milliCpu);
    nz.memory = Math.max(nz.memory, n.memory);
  }
  if (spec.overhead) {
    const o = resourcesOf(spec.overhead as QuantityMap);
    addInto(requests, o);
    nz.milliCpu += o.milliCpu;
    nz.memory += o.memory;
  }
  return { requests, nonZero: nz };
}
