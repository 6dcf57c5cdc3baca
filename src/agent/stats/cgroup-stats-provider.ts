/**
 * The real agent's StatsProvider: node figures from /proc, each pod's and container's from its
 * cgroup (`/flotilla/pod<uid>` and `/flotilla/pod<uid>/<container id>`, see runtime/oci/cgroups.ts).
 *
 *   summary() --> read /proc + every running container's and pod's cgroup --> CpuRates (last sample
 *   per cgroup) --> usageNanoCores; keys without a previous sample are read again after a short pause
 */
import { uptime } from 'node:os';
import { detectCgroupLayout, readCgroup, type CgroupLayout, type CgroupSample } from './cgroup-stats.js';
import { CpuRates } from './cpu-rate.js';
import { readNodeSample } from './proc-stats.js';
import type {
  ContainerStats,
  CpuStats,
  MemoryStats,
  PodStats,
  StatsProvider,
  Summary,
} from '../../api/stats/summary-types.js';

/** A pod on this node as the stats need it: its running containers and their runtime ids. */
export interface StatsPod {
  uid: string;
  namespace: string;
  name: string;
  startTime?: string;
  containers: { name: string; id: string; startedAt?: string }[];
}

export interface CgroupStatsOptions {
  nodeName: string;
  /** Pods on the node with their running containers (called on each summary). */
  listPods(): StatsPod[];
  /** Cgroup path of a pod and of a container (default Flotilla's runc layout). */
  podCgroup?: (uid: string) => string;
  containerCgroup?: (uid: string, id: string) => string;
  layout?: CgroupLayout;
  /** Pause before a second reading when some cgroup had no earlier sample (default 250 ms). */
  firstSampleDelayMs?: number;
  now?: () => number;
}

interface Reading {
  key: string;
  sample: CgroupSample | undefined;
}

export class CgroupStatsProvider implements StatsProvider {
  private readonly rates = new CpuRates();
  private readonly layout: CgroupLayout;
  private readonly bootTime = new Date(Date.now() - uptime() * 1000).toISOString();

  constructor(private readonly o: CgroupStatsOptions) {
    this.layout = o.layout ?? detectCgroupLayout();
  }

  async summary(): Promise<Summary> {
    const pods = this.o.listPods();
    const podPath = this.o.podCgroup ?? ((uid: string) => `/flotilla/pod${uid}`);
    const ctrPath = this.o.containerCgroup ?? ((uid: string, id: string) => `/flotilla/pod${uid}/${id}`);
    const paths = new Map<string, string>();
    for (const p of pods) {
      paths.set(`pod/${p.uid}`, podPath(p.uid));
      for (const c of p.containers) paths.set(`ctr/${p.uid}/${c.id}`, ctrPath(p.uid, c.id));
    }
    let { node, readings, at } = await this.read(paths);
    if (readings.some((r) => r.sample && !this.rates.has(r.key)) || !this.rates.has('node')) {
      // No earlier sample for some cgroups: record this one and read again for a rate.
      this.record(node.cpuNs, readings, at);
      await new Promise((r) => setTimeout(r, this.o.firstSampleDelayMs ?? 250));
      ({ node, readings, at } = await this.read(paths));
    }
    const rates = this.record(node.cpuNs, readings, at);
    this.rates.retain(new Set(['node', ...paths.keys()]));
    const time = new Date(at).toISOString();
    const byKey = new Map(readings.map((r) => [r.key, r.sample]));
    const cpu = (key: string, ns: number): CpuStats => ({
      time,
      usageCoreNanoSeconds: ns,
      ...(rates.get(key) !== undefined ? { usageNanoCores: rates.get(key) } : {}),
    });
    const mem = (s: CgroupSample): MemoryStats => ({
      time,
      usageBytes: s.memoryUsageBytes,
      workingSetBytes: s.workingSetBytes,
    });
    const podStats: PodStats[] = [];
    for (const p of pods) {
      const containers: ContainerStats[] = [];
      for (const c of p.containers) {
        const s = byKey.get(`ctr/${p.uid}/${c.id}`);
        if (!s) continue;
        containers.push({
          name: c.name,
          startTime: c.startedAt ?? p.startTime ?? time,
          cpu: cpu(`ctr/${p.uid}/${c.id}`, s.cpuNs),
          memory: mem(s),
        });
      }
      if (containers.length === 0) continue;
      const ps = byKey.get(`pod/${p.uid}`);
      podStats.push({
        podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
        startTime: p.startTime ?? time,
        containers,
        ...(ps ? { cpu: cpu(`pod/${p.uid}`, ps.cpuNs), memory: mem(ps) } : {}),
      });
    }
    return {
      node: {
        nodeName: this.o.nodeName,
        startTime: this.bootTime,
        cpu: cpu('node', node.cpuNs),
        memory: {
          time,
          usageBytes: node.memoryUsageBytes,
          workingSetBytes: node.workingSetBytes,
          availableBytes: node.availableBytes,
        },
      },
      pods: podStats,
    };
  }

  private async read(paths: Map<string, string>) {
    const now = this.o.now ?? Date.now;
    const [node, readings] = await Promise.all([
      readNodeSample(),
      Promise.all(
        [...paths].map(async ([key, path]): Promise<Reading> => ({ key, sample: await readCgroup(this.layout, path) })),
      ),
    ]);
    return { node, readings, at: now() };
  }

  private record(nodeNs: number, readings: Reading[], at: number): Map<string, number | undefined> {
    const out = new Map<string, number | undefined>([['node', this.rates.update('node', nodeNs, at)]]);
    for (const r of readings) if (r.sample) out.set(r.key, this.rates.update(r.key, r.sample.cpuNs, at));
    return out;
  }
}
