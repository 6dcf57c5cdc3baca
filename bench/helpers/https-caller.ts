/**
 * JSON calls to a test server over kept-alive HTTPS for the benches: one call's status, body and
 * wall time; a call that must succeed; and `count` calls with a fixed number in flight.
 */
import { type Agent, request } from 'node:https';

export type Call = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: string; ms: number }>;

/** Calls to `server` as the bearer of `token` over `agent`'s connections. */
export function caller(server: { url: string }, token: string, agent: Agent): Call {
  const url = new URL(server.url);
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const t0 = performance.now();
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            ...(payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              ms: performance.now() - t0,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}

/** A call that must answer 2xx; returns its body, throws with the status and body otherwise. */
export async function must(call: Call, method: string, path: string, body?: unknown): Promise<string> {
  const r = await call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.body;
}

/** Runs `one(0..count-1)` with `concurrency` in flight; returns how many answered false. */
export async function inParallel(
  count: number,
  concurrency: number,
  one: (i: number) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) if (!(await one(next++))) failed++;
    }),
  );
  return failed;
}
