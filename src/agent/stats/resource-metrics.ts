/**
 * The kubelet's `/metrics/resource` endpoint (Prometheus text, the metric names metrics-server
 * reads) rendered from a Summary. Pure.
 */
import type { Summary } from '../../api/stats/summary-types.js';

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>): string =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;

export function resourceMetricsText(s: Summary): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string, rows: [Record<string, string>, number, string][]): void => {
    out.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v, t] of rows) out.push(`${name}${Object.keys(l).length ? labels(l) : ''} ${v} ${Date.parse(t)}`);
  };
  const ctr = (
    fn: (c: Summary['pods'][number]['containers'][number], p: Summary['pods'][number]) => [number, string] | undefined,
  ) =>
    s.pods
      .flatMap((p) => p.containers.map((c) => [c, p] as const))
      .flatMap(([c, p]) => {
        const r = fn(c, p);
        return r
          ? [
              [{ container: c.name, namespace: p.podRef.namespace, pod: p.podRef.name }, r[0], r[1]] as [
                Record<string, string>,
                number,
                string,
              ],
            ]
          : [];
      });
  const pod = (fn: (p: Summary['pods'][number]) => [number, string] | undefined) =>
    s.pods.flatMap((p) => {
      const r = fn(p);
      return r
        ? [
            [{ namespace: p.podRef.namespace, pod: p.podRef.name }, r[0], r[1]] as [
              Record<string, string>,
              number,
              string,
            ],
          ]
        : [];
    });
  family(
    'container_cpu_usage_seconds_total',
    'counter',
    'Cumulative cpu time consumed by the container in core-seconds',
    ctr((c) => c.cpu && [c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time]),
  );
  family(
    'container_memory_working_set_bytes',
    'gauge',
    'Current working set of the container in bytes',
    ctr((c) => c.memory && [c.memory.workingSetBytes, c.memory.time]),
  );
  family(
    'container_start_time_seconds',
    'gauge',
    'Start time of the container since unix epoch in seconds',
    ctr((c) => [Date.parse(c.startTime) / 1000, c.cpu?.time ?? c.startTime]),
  );
  const n = s.node;
  family(
    'node_cpu_usage_seconds_total',
    'counter',
    'Cumulative cpu time consumed by the node in core-seconds',
    n.cpu ? [[{}, n.cpu.usageCoreNanoSeconds / 1e9, n.cpu.time]] : [],
  );
  family(
    'node_memory_working_set_bytes',
    'gauge',
    'Current working set of the node in bytes',
    n.memory ? [[{}, n.memory.workingSetBytes, n.memory.time]] : [],
  );
  family(
    'pod_cpu_usage_seconds_total',
    'counter',
    'Cumulative cpu time consumed by the pod in core-seconds',
    pod((p) => p.cpu && [p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time]),
  );
  family(
    'pod_memory_working_set_bytes',
    'gauge',
    'Current working set of the pod in bytes',
    pod((p) => p.memory && [p.memory.workingSetBytes, p.memory.time]),
  );
  out.push(
    '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
    '# TYPE resource_scrape_error gauge',
    'resource_scrape_error 0',
  );
  return `${out.join('\n')}\n`;
}
