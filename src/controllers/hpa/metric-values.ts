/**
 * Conversions between metrics.k8s.io objects / quantities and the milli-unit values the HPA works
 * with, as Kubernetes' metrics client and status writer do. Pure.
 */
import { parseQuantity } from '../../api/validation/quantity.js';
import type { PodMetric } from './replica-calculator.js';

export interface PodMetricsObject {
  metadata: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

/** A Go duration string (`250ms`, `10.5s`, `1m5s`, `1h0m0s`) in ms; 0 when it does not parse. */
export function parseGoDurationMs(s: string | undefined): number {
  if (!s) return 0;
  let ms = 0;
  const re = /([0-9.]+)(h|ms|m|s|us|µs|ns)/g;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    ms += Number(m[1]) * (unit[m[2]] ?? 0);
    consumed += m[0].length;
  }
  return consumed === s.length ? ms : 0;
}

/**
 * Per-pod usage of `resource` in milli-units (sum over the containers, or only `container`), as
 * getPodMetrics: a pod with no containers or a container without the resource is left out.
 */
export function podMetricValues(
  items: PodMetricsObject[],
  resource: string,
  container?: string,
): Map<string, PodMetric> {
  const out = new Map<string, PodMetric>();
  for (const m of items) {
    let sum = 0;
    let missing = !m.containers?.length;
    for (const c of m.containers ?? []) {
      if (container && c.name !== container) continue;
      const v = parseQuantity(c.usage?.[resource]);
      if (v === undefined) {
        missing = true;
        break;
      }
      sum += Math.round(v * 1000);
    }
    if (!missing)
      out.set(m.metadata.name ?? '', {
        value: sum,
        timestampMs: Date.parse(m.timestamp ?? '') || 0,
        windowMs: parseGoDurationMs(m.window),
      });
  }
  return out;
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): `250m`, `2`, `8388608`, `100M`. */
export function formatMilliQuantity(milli: number): string {
  const v = Math.round(milli);
  if (v === 0) return '0';
  const suffixes: [number, string][] = [
    [1e21, 'E'],
    [1e18, 'P'],
    [1e15, 'T'],
    [1e12, 'G'],
    [1e9, 'M'],
    [1e6, 'k'],
    [1e3, ''],
  ];
  for (const [f, s] of suffixes) if (Math.abs(v) >= f && v % f === 0) return `${v / f}${s}`;
  return `${v}m`;
}
