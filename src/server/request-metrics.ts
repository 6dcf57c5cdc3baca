import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { parseRequestInfo } from '../apiserver/request-info.js';

/** Records one finished request into the registry. */
export interface RequestMetrics {
  /** Call once per request; observes when the response finishes or the connection closes. */
  track(req: IncomingMessage, res: ServerResponse): void;
}

const LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'code'] as const;

/**
 * Kubernetes-named request metrics on `registry`: `apiserver_request_total` and
 * `apiserver_request_duration_seconds` (watch and connect streams are counted but not timed: their
 * duration is the client's choice). Non-resource paths have verb = method and resource = ''.
 * Call once per registry (registering a name twice throws).
 */
export function createRequestMetrics(registry: Registry): RequestMetrics {
  const total = new Counter({ name: 'apiserver_request_total', help: 'Counter of apiserver requests by verb, resource and HTTP response code.', labelNames: LABELS, registers: [registry] });
  const duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group, version, resource and subresource.',
    labelNames: LABELS.filter((l) => l !== 'code'),
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    track(req, res) {
      const start = process.hrtime.bigint();
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        let labels: Record<string, string>;
        try {
          const info = parseRequestInfo(req.method ?? 'GET', req.url ?? '/');
          labels = info.isResource
            ? { verb: info.verb.toUpperCase(), group: info.group, version: info.version, resource: info.resource, subresource: info.subresource }
            : { verb: req.method ?? '', group: '', version: '', resource: '', subresource: '' };
        } catch {
          labels = { verb: req.method ?? '', group: '', version: '', resource: '', subresource: '' };
        }
        total.inc({ ...labels, code: String(res.statusCode) });
        if (labels.verb !== 'WATCH' && labels.verb !== 'CONNECT') duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
      };
      res.once('finish', finish);
      res.once('close', finish);
    },
  };
}
