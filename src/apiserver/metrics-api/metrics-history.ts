/**
 * A small in-memory history of the figures the metrics API scrapes (node and pod CPU and memory),
 * for the dashboard's graphs: one series per node and per pod (by uid, so a same-named later pod
 * starts afresh), samples at least `stepMs` apart, kept for `spanMs` (default an hour at 10 s:
 * at most 360 samples a series). Series not updated within the span are dropped.
 *
 * Fed by every scrape the metrics API makes anyway (kubectl top, the HPA controller, the
 * dashboard); see MetricsApi for the sampler that keeps asking while someone views a graph.
 */
import type { Summary } from '../../api/stats/summary-types.js';

/** Parallel arrays, oldest first: time (ms since the epoch), CPU (nano-cores), memory working set (bytes). */
export interface Series {
  t: number[];
  cpu: number[];
  memory: number[];
}

export interface MetricsHistoryOptions {
  spanMs?: number;
  stepMs?: number;
}

export class MetricsHistory {
  private readonly series = new Map<string, Series>();
  private readonly spanMs: number;
  private readonly stepMs: number;

  constructor(o: MetricsHistoryOptions = {}) {
    this.spanMs = o.spanMs ?? 60 * 60_000;
    this.stepMs = o.stepMs ?? 10_000;
  }

  /** Records a node's summary fetched at `at` (ms). Figures missing from it (first CPU sample) are skipped. Idempotent per `at`. */
  record(s: Summary, at: number): void {
    const node = s.node;
    if (node.cpu?.usageNanoCores !== undefined && node.memory)
      this.add(`node/${node.nodeName}`, at, node.cpu.usageNanoCores, node.memory.workingSetBytes);
    for (const p of s.pods) {
      let cpu = 0;
      let memory = 0;
      let complete = p.containers.length > 0;
      for (const c of p.containers) {
        if (c.cpu?.usageNanoCores === undefined || !c.memory) {
          complete = false;
          break;
        }
        cpu += c.cpu.usageNanoCores;
        memory += c.memory.workingSetBytes;
      }
      if (complete) this.add(`pod/${p.podRef.uid}`, at, cpu, memory);
    }
    this.prune(at);
  }

  /** The series of a node, or of a pod by uid; empty when none was recorded. A copy. */
  node(name: string): Series {
    return copy(this.series.get(`node/${name}`));
  }

  pod(uid: string): Series {
    return copy(this.series.get(`pod/${uid}`));
  }

  private add(key: string, at: number, cpu: number, memory: number): void {
    let s = this.series.get(key);
    if (!s) {
      s = { t: [], cpu: [], memory: [] };
      this.series.set(key, s);
    }
    const last = s.t.at(-1);
    if (last !== undefined && at - last < this.stepMs) return;
    s.t.push(at);
    s.cpu.push(cpu);
    s.memory.push(memory);
    let drop = 0;
    while (drop < s.t.length && (s.t[drop] ?? 0) < at - this.spanMs) drop++;
    if (drop > 0) {
      s.t.splice(0, drop);
      s.cpu.splice(0, drop);
      s.memory.splice(0, drop);
    }
  }

  private prune(now: number): void {
    for (const [k, s] of this.series) if ((s.t.at(-1) ?? 0) < now - this.spanMs) this.series.delete(k);
  }
}

function copy(s: Series | undefined): Series {
  return s ? { t: [...s.t], cpu: [...s.cpu], memory: [...s.memory] } : { t: [], cpu: [], memory: [] };
}
