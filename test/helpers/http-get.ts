import { request } from 'node:http';
import { until } from './wait-until.js';

/** A plain-HTTP GET (pods and services reached from the host in tests): status and body as text. */
export function httpGet(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // No keep-alive agent: pods come and go between requests.
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (body += c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req
      .on('error', reject)
      .on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)))
      .end();
  });
}

/**
 * GET once something listens at `url`: connection errors are retried (a server just started)
 * until `timeoutMs`, then the wait fails with the last error.
 */
export function httpGetWhenUp(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return until(`an answer from ${url}`, () => httpGet(url), { timeoutMs, intervalMs: 30, retryErrors: true });
}
