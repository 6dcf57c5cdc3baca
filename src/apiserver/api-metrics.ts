import { Counter, Histogram, type Registry } from 'prom-client';
import { counterChildren, histogramChildren } from '../machinery/metrics/metric-children.js';

/** apiserver_request_total and apiserver_request_duration_seconds, as kube-apiserver names them. */
export class ApiMetrics {
  private readonly total: Counter<'verb' | 'resource' | 'code'>;
  private readonly duration: Histogram<'verb' | 'resource'>;
  private readonly totalOf;
  private readonly durationOf;

  constructor(registry: Registry) {
    this.total = new Counter({
      name: 'apiserver_request_total',
      help: 'API requests by verb, resource and HTTP code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'API request latency (watches: their whole life).',
      labelNames: ['verb', 'resource'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60],
      registers: [registry],
    });
    this.totalOf = counterChildren(this.total);
    this.durationOf = histogramChildren(this.duration);
  }

  observe(verb: string, resource: string, code: number, startedNs: bigint): void {
    this.totalOf({ verb, resource, code: String(code) }).inc();
    this.durationOf({ verb, resource }).observe(Number(process.hrtime.bigint() - startedNs) / 1e9);
  }
}
