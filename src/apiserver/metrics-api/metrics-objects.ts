/**
 * metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics from agent Summaries, shaped as metrics-server
 * returns them: cpu as a nano-core quantity, memory working set as a byte quantity (canonical
 * forms: `5m`, `123456n`, `64Mi`, `1000`), timestamp of the sample, window of the CPU rate. Pure.
 */
import type { Summary } from '../../api/stats/summary-types.js';

export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';

export interface ContainerMetrics {
  name: string;
  usage: { cpu: string; memory: string };
}
export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; creationTimestamp: string };
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}
export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: string;
  metadata: { name: string; labels?: Record<string, string>; creationTimestamp: string };
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

/** A nano-core count in Kubernetes' canonical decimal form (`0`, `250m`, `1500u`, `123n`, `2`). */
export function formatNanoCores(n: number): string {
  const v = Math.max(0, Math.round(n));
  if (v === 0) return '0';
  for (const [suffix, f] of [
    ['', 1e9],
    ['m', 1e6],
    ['u', 1e3],
  ] as const)
    if (v % f === 0) return `${v / f}${suffix}`;
  return `${v}n`;
}

/** A byte count in Kubernetes' canonical binary form (`64Mi`, `1Gi`, `1023`, `12345`). */
export function formatBytes(n: number): string {
  let v = Math.max(0, Math.round(n));
  if (v < 1024) return String(v);
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (i < suffixes.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${v}${suffixes[i]}`;
}

/** A duration as Go's time.Duration prints it (metav1.Duration JSON): `250ms`, `10s`, `10.5s`, `1m5s`. */
export function formatGoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = (total % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/** The NodeMetrics of a summary, or undefined when it has no CPU rate yet. */
export function nodeMetrics(
  s: Summary,
  windowMs: number,
  labels: Record<string, string> | undefined,
  now: Date,
): NodeMetrics | undefined {
  const cpu = s.node.cpu?.usageNanoCores;
  const mem = s.node.memory?.workingSetBytes;
  if (cpu === undefined || mem === undefined) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: s.node.nodeName, ...(labels ? { labels } : {}), creationTimestamp: now.toISOString() },
    timestamp: s.node.cpu?.time ?? now.toISOString(),
    window: formatGoDuration(windowMs),
    usage: { cpu: formatNanoCores(cpu), memory: formatBytes(mem) },
  };
}

/** PodMetrics of every pod of a summary whose containers all have CPU and memory figures (metrics-server drops the others). */
export function podMetrics(s: Summary, windowMs: number, now: Date): PodMetrics[] {
  const out: PodMetrics[] = [];
  for (const p of s.pods) {
    const containers: ContainerMetrics[] = [];
    let complete = p.containers.length > 0;
    for (const c of p.containers) {
      const cpu = c.cpu?.usageNanoCores;
      const mem = c.memory?.workingSetBytes;
      if (cpu === undefined || mem === undefined) {
        complete = false;
        break;
      }
      containers.push({ name: c.name, usage: { cpu: formatNanoCores(cpu), memory: formatBytes(mem) } });
    }
    if (!complete) continue;
    const time =
      p.containers
        .map((c) => c.cpu?.time ?? '')
        .sort()
        .at(-1) || now.toISOString();
    out.push({
      kind: 'PodMetrics',
      apiVersion: METRICS_GROUP_VERSION,
      metadata: { name: p.podRef.name, namespace: p.podRef.namespace, creationTimestamp: now.toISOString() },
      timestamp: time,
      window: formatGoDuration(windowMs),
      containers,
    });
  }
  return out;
}
