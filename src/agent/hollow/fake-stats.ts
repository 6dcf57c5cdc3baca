/**
 * Fake resource usage of hollow pods, for `kubectl top` and the HPA on hollow nodes:
 * - `flotilla.dev/fake-cpu: 250m` / `flotilla.dev/fake-memory: 64Mi` on a pod set its total usage,
 *   split evenly over its containers (change them with `kubectl annotate pod ... --overwrite`);
 * - without them each container uses 10% of its CPU request (1m without one) and 50% of its memory
 *   request (8Mi without one).
 * The node adds a base of 50m CPU and 256Mi to its pods' sum. Cumulative CPU time is integrated
 * from the usage between summaries, so it grows as a real counter does.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.js';
import type { KubeObject } from '../../api/object.js';
import type { ContainerStats, PodStats, StatsProvider, Summary } from '../../api/stats/summary-types.js';

export const FAKE_CPU_ANNOTATION = 'flotilla.dev/fake-cpu';
export const FAKE_MEMORY_ANNOTATION = 'flotilla.dev/fake-memory';

const NODE_BASE_NANO_CORES = 50_000_000;
const NODE_BASE_BYTES = 256 * 2 ** 20;

type PodObject = KubeObject & Pod;

/** Per-container usage (nano-cores, bytes) of a hollow pod, from its annotations or requests. Pure. */
export function fakeContainerUsage(pod: PodObject): { name: string; nanoCores: number; bytes: number }[] {
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 0) return [];
  const ann = pod.metadata.annotations ?? {};
  const cpuTotal = parseQuantity(ann[FAKE_CPU_ANNOTATION]);
  const memTotal = parseQuantity(ann[FAKE_MEMORY_ANNOTATION]);
  return containers.map((c) => {
    const req = c.resources?.requests ?? {};
    const cpuReq = parseQuantity(req.cpu) ?? 0;
    const memReq = parseQuantity(req.memory) ?? 0;
    const cores = cpuTotal !== undefined ? cpuTotal / containers.length : cpuReq > 0 ? cpuReq * 0.1 : 0.001;
    const bytes = memTotal !== undefined ? memTotal / containers.length : memReq > 0 ? memReq * 0.5 : 8 * 2 ** 20;
    return { name: c.name, nanoCores: Math.round(cores * 1e9), bytes: Math.round(bytes) };
  });
}

export interface FakeStatsOptions {
  /** The node a request is for, from its Host header (`<InternalIP>:<port>`); undefined: unknown. */
  nodeFor(host: string | undefined): string | undefined;
  /** The pods bound to a node. */
  podsOn(node: string): PodObject[];
  now?: () => number;
}

/** Summaries of hollow nodes made from their pods' fake usage. */
export class FakeStatsProvider implements StatsProvider {
  private readonly counters = new Map<string, { ns: number; at: number }>();

  constructor(private readonly o: FakeStatsOptions) {}

  async summary(host?: string): Promise<Summary> {
    const node = this.o.nodeFor(host);
    if (!node) throw new Error(`no hollow node at ${host ?? '(no Host header)'}`);
    const at = (this.o.now ?? Date.now)();
    const time = new Date(at).toISOString();
    const pods: PodStats[] = [];
    let nodeCores = NODE_BASE_NANO_CORES;
    let nodeBytes = NODE_BASE_BYTES;
    for (const p of this.o.podsOn(node)) {
      if (p.status?.phase !== 'Running' || p.metadata.deletionTimestamp) continue;
      const uid = p.metadata.uid ?? '';
      const started = p.status.startTime ?? time;
      const containers: ContainerStats[] = fakeContainerUsage(p).map((u) => {
        const cumulative = this.advance(`${uid}/${u.name}`, u.nanoCores, at);
        nodeCores += u.nanoCores;
        nodeBytes += u.bytes;
        return {
          name: u.name,
          startTime: started,
          cpu: { time, usageNanoCores: u.nanoCores, usageCoreNanoSeconds: cumulative },
          memory: { time, usageBytes: u.bytes, workingSetBytes: u.bytes },
        };
      });
      const cores = containers.reduce((a, c) => a + (c.cpu?.usageNanoCores ?? 0), 0);
      const bytes = containers.reduce((a, c) => a + (c.memory?.workingSetBytes ?? 0), 0);
      const cum = containers.reduce((a, c) => a + (c.cpu?.usageCoreNanoSeconds ?? 0), 0);
      pods.push({
        podRef: { name: p.metadata.name ?? '', namespace: p.metadata.namespace ?? '', uid },
        startTime: started,
        containers,
        cpu: { time, usageNanoCores: cores, usageCoreNanoSeconds: cum },
        memory: { time, usageBytes: bytes, workingSetBytes: bytes },
      });
    }
    return {
      node: {
        nodeName: node,
        startTime: time,
        cpu: { time, usageNanoCores: nodeCores, usageCoreNanoSeconds: this.advance(`node/${node}`, nodeCores, at) },
        memory: { time, usageBytes: nodeBytes, workingSetBytes: nodeBytes },
      },
      pods,
    };
  }

  /** Integrates a rate into a cumulative counter (ns of CPU time). */
  private advance(key: string, nanoCores: number, at: number): number {
    const c = this.counters.get(key) ?? { ns: 0, at };
    c.ns += Math.round((nanoCores * (at - c.at)) / 1000);
    c.at = at;
    this.counters.set(key, c);
    return c.ns;
  }
}
