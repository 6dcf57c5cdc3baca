/**
 * Kubernetes' replica calculation for Resource metrics (pkg/controller/podautoscaler/replica_calculator.go), pure:
 *
 *   pods --groupPods--> ready | unready (Pending; for cpu: not Ready, or within the cpu initialization
 *   period without a sample taken a window after becoming Ready) | missing (no metrics) | ignored
 *   (deleting, Failed)  -->  usage ratio over the ready pods with metrics  -->  within tolerance:
 *   current replicas; else, with no unready/missing pods, ceil(ratio x ready pods); else rebalance
 *   conservatively (missing pods count as 100% of request on a scale-down and 0% on a scale-up,
 *   unready pods as 0% on a scale-up) and refuse to change direction.
 *
 * All values are in milli-units (milli-cores, milli-bytes), as Kubernetes' metrics client uses.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.js';

export interface PodMetric {
  /** Sum over the pod's containers, milli-units. */
  value: number;
  timestampMs: number;
  windowMs: number;
}

export interface CalcSettings {
  /** |1 - ratio| <= tolerance means no change (default 0.1). */
  tolerance: number;
  /** Within this long of a pod's start its CPU samples need care (default 5 min). */
  cpuInitializationPeriodMs: number;
  /** A pod not Ready for this long after start counts as never ready (default 30 s). */
  delayOfInitialReadinessStatusMs: number;
  nowMs: number;
}

export const DEFAULT_CALC_SETTINGS = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

export interface ReplicaProposal {
  replicas: number;
  /** Utilization (percent of request), for Utilization targets. */
  utilization?: number;
  /** Average usage per pod, milli-units. */
  rawAverage: number;
  timestampMs: number;
}

/** A failure of the calculation (Kubernetes' error texts). */
export class MetricError extends Error {}

type PodLike = Pick<Pod, 'metadata' | 'spec' | 'status'>;

interface Groups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods. Pure. */
export function groupPods(pods: PodLike[], metrics: Map<string, PodMetric>, resource: string, s: CalcSettings): Groups {
  const g: Groups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = Date.parse(pod.status?.startTime ?? '');
      let unready: boolean;
      if (!ready || Number.isNaN(start)) unready = true;
      else {
        const transition = Date.parse(ready.lastTransitionTime ?? '') || 0;
        if (start + s.cpuInitializationPeriodMs > s.nowMs) {
          // Within initialization: unready, or no full metric window since it became ready.
          unready = ready.status === 'False' || metric.timestampMs < transition + metric.windowMs;
        } else {
          // Unready and never ready since start.
          unready = ready.status === 'False' && start + s.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** Sum of the pods' requests of `resource` (milli-units); throws when a container has none. Pure. */
export function podRequests(pods: PodLike[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      const q = parseQuantity(c.resources?.requests?.[resource]);
      if (q === undefined)
        throw new MetricError(
          `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`,
        );
      sum += Math.round(q * 1000);
    }
    out.set(pod.metadata?.name ?? '', sum);
  }
  return out;
}

function utilizationRatio(
  metrics: Map<string, PodMetric>,
  requests: Map<string, number>,
  target: number,
): { ratio: number; utilization: number; raw: number } {
  let total = 0;
  let reqTotal = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    total += m.value;
    reqTotal += r;
    n++;
  }
  if (reqTotal === 0) throw new MetricError('no metrics returned matched known pods');
  const utilization = Math.trunc((total * 100) / reqTotal);
  return { ratio: utilization / target, utilization, raw: Math.trunc(total / n) };
}

function usageRatio(metrics: Map<string, PodMetric>, target: number): { ratio: number; raw: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const raw = Math.trunc(total / metrics.size);
  return { ratio: raw / target, raw };
}

const latest = (metrics: Map<string, PodMetric>): number =>
  Math.max(0, ...[...metrics.values()].map((m) => m.timestampMs));

/**
 * Replicas for a Resource metric: `target` is a utilization percentage (`utilization`) or an
 * average value in milli-units (`averageValue`). `pods` are those the scale's selector selects.
 * Throws MetricError as Kubernetes returns errors. Pure.
 */
export function resourceReplicas(
  currentReplicas: number,
  target: { utilization: number } | { averageValue: number },
  resource: string,
  pods: PodLike[],
  allMetrics: Map<string, PodMetric>,
  s: CalcSettings,
): ReplicaProposal {
  if (allMetrics.size === 0)
    throw new MetricError(
      `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
    );
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  const metrics = new Map(allMetrics);
  const g = groupPods(pods, metrics, resource, s);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
  const timestampMs = latest(metrics);
  const within = (r: number) => Math.abs(1 - r) <= s.tolerance;

  if ('utilization' in target) {
    const requests = podRequests(pods, resource);
    const first = utilizationRatio(metrics, requests, target.utilization);
    const base = { utilization: first.utilization, rawAverage: first.raw, timestampMs };
    const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
    if (!scaleUpWithUnready && g.missing.size === 0) {
      if (within(first.ratio)) return { replicas: currentReplicas, ...base };
      return { replicas: Math.ceil(first.ratio * g.readyCount), ...base };
    }
    if (g.missing.size > 0) {
      if (first.ratio < 1) {
        const fallback = Math.max(100, target.utilization);
        for (const n of g.missing)
          metrics.set(n, { value: Math.trunc(((requests.get(n) ?? 0) * fallback) / 100), timestampMs: 0, windowMs: 0 });
      } else if (first.ratio > 1) {
        for (const n of g.missing) metrics.set(n, { value: 0, timestampMs: 0, windowMs: 0 });
      }
    }
    if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestampMs: 0, windowMs: 0 });
    const next = utilizationRatio(metrics, requests, target.utilization).ratio;
    return { replicas: rebalanced(currentReplicas, first.ratio, next, metrics.size, within), ...base };
  }

  const first = usageRatio(metrics, target.averageValue);
  const base = { rawAverage: first.raw, timestampMs };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (within(first.ratio)) return { replicas: currentReplicas, ...base };
    return { replicas: Math.ceil(first.ratio * g.readyCount), ...base };
  }
  if (g.missing.size > 0) {
    // On a scale-down missing pods use the target; on a scale-up nothing.
    for (const n of g.missing)
      metrics.set(n, { value: first.ratio < 1 ? target.averageValue : 0, timestampMs: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestampMs: 0, windowMs: 0 });
  const next = usageRatio(metrics, target.averageValue).ratio;
  return { replicas: rebalanced(currentReplicas, first.ratio, next, metrics.size, within), ...base };
}

/** The second pass: no change when within tolerance or when the direction would flip. */
function rebalanced(
  current: number,
  ratio: number,
  next: number,
  count: number,
  within: (r: number) => boolean,
): number {
  if (within(next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return current;
  const replicas = Math.ceil(next * count);
  if ((next < 1 && replicas > current) || (next > 1 && replicas < current)) return current;
  return replicas;
}
