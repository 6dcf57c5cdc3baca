import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { requestInfoOf } from '../apiserver/request-info.js';
import { counterChildren, histogramChildren } from '../machinery/metrics/metric-children.js';

/** Records one finished request into the registry. */
export interface RequestMetrics {
  /** Call once per request; observes when the response finishes or the connection closes. */
  track(req: IncomingMessage, res: ServerResponse): void;
}

const LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'code'] as const;

/**
 * Edge metrics on `registry`: `flotilla_http_requests_total` and
 * `flotilla_http_request_duration_seconds`, for every HTTP request including unauthenticated ones,
 * health checks and other non-resource paths (verb = HTTP method, resource = ''). The REST core
 * records Kubernetes' own `apiserver_request_total` / `apiserver_request_duration_seconds` for the
 * API requests it serves. Watch and connect streams are counted but not timed (their duration is
 * the client's choice). Call once per registry (registering a name twice throws).
 */
export function createRequestMetrics(registry: Registry): RequestMetrics {
  const total = new Counter({
    name: 'flotilla_http_requests_total',
    help: 'HTTP requests at the server edge by verb, resource and response code.',
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'flotilla_http_request_duration_seconds',
    help: 'HTTP response latency at the server edge in seconds by verb, group, version, resource and subresource.',
    labelNames: LABELS.filter((l) => l !== 'code'),
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const totalOf = counterChildren(total);
  const durationOf = histogramChildren(duration);
  return {
    track(req, res) {
      const start = process.hrtime.bigint();
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        const info = requestInfoOf(req);
        const labels = info.isResource
          ? {
              verb: info.verb.toUpperCase(),
              group: info.group,
              version: info.version,
              resource: info.resource,
              subresource: info.subresource,
            }
          : { verb: req.method ?? '', group: '', version: '', resource: '', subresource: '' };
        totalOf({ ...labels, code: String(res.statusCode) }).inc();
        if (labels.verb !== 'WATCH' && labels.verb !== 'CONNECT')
          durationOf(labels).observe(Number(process.hrtime.bigint() - start) / 1e9);
      };
      res.once('finish', finish);
      res.once('close', finish);
    },
  };
}
