/**
 * Steady HTTP traffic at a fixed rate, for tests and benches that count what a rollout drops:
 * requests start on a fixed schedule (not one after another, so a slow answer does not lower the
 * rate), alternating between a keep-alive agent (connections reused when the server allows) and a
 * new connection per request. Each outcome is recorded with its start time (Date.now(), comparable
 * across processes), failures by kind: refused (ECONNREFUSED), reset (ECONNRESET, EPIPE, a socket
 * closed before the answer), timeout, status (an answer that is not 2xx), other.
 *
 * As a script (the client side of bench/rollout-drop-bench.ts, started inside a network namespace):
 *   node --import tsx test/helpers/steady-traffic.ts URL RATE
 * runs until its stdin closes or says `stop`, then prints the TrafficRecord as one JSON line.
 */
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

export type FailureKind = 'refused' | 'reset' | 'timeout' | 'status' | 'other';

export interface TrafficFailure {
  /** When the request started (ms since the epoch). */
  t: number;
  kind: FailureKind;
  keepAlive: boolean;
  detail: string;
}

export interface TrafficRecord {
  startedAt: number;
  stoppedAt: number;
  /** Start times of the successful requests, ms after startedAt. */
  ok: number[];
  failures: TrafficFailure[];
  /** Requests sent on a socket the keep-alive agent reused. */
  reusedSockets: number;
}

export interface TrafficOptions {
  url: string;
  /** Requests per second (default 150). */
  rate?: number;
  /** A request without an answer after this long is a timeout (default 5000 ms). */
  timeoutMs?: number;
}

export interface RunningTraffic {
  /** Stops sending, waits for the requests in flight, returns what happened. Idempotent. */
  stop(): Promise<TrafficRecord>;
}

function kindOf(err: NodeJS.ErrnoException): FailureKind {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up') return 'reset';
  if (err.code === 'ETIMEDOUT' || err.message === 'timeout') return 'timeout';
  return 'other';
}

/** Starts the traffic at once; stop() ends it. */
export function startTraffic(o: TrafficOptions): RunningTraffic {
  const rate = o.rate ?? 150;
  const timeoutMs = o.timeoutMs ?? 5000;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 16 });
  const rec: TrafficRecord = { startedAt: Date.now(), stoppedAt: 0, ok: [], failures: [], reusedSockets: 0 };
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  let stopped = false;

  const one = (viaKeepAlive: boolean): Promise<void> =>
    new Promise((resolve) => {
      const t = Date.now();
      const fail = (kind: FailureKind, detail: string) => {
        rec.failures.push({ t, kind, keepAlive: viaKeepAlive, detail });
        resolve();
      };
      const req = request(o.url, { agent: viaKeepAlive ? keepAlive : false, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('error', (err) => fail(kindOf(err), err.message));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) {
            rec.ok.push(t - rec.startedAt);
            resolve();
          } else fail('status', `HTTP ${res.statusCode}`);
        });
      });
      req.on('socket', (s) => {
        if ((s as { _flotillaUsed?: boolean })._flotillaUsed) rec.reusedSockets++;
        (s as { _flotillaUsed?: boolean })._flotillaUsed = true;
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => fail(kindOf(err), err.message));
      req.end();
    });

  // A fixed schedule: request k starts at startedAt + k/rate, whatever the earlier ones do.
  const tick = () => {
    if (stopped) return;
    const due = Math.floor(((Date.now() - rec.startedAt) * rate) / 1000);
    while (n < due) {
      const p = one(n % 2 === 0);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      n++;
    }
    timer = setTimeout(tick, Math.max(1, Math.floor(1000 / rate)));
  };
  let timer = setTimeout(tick, 0);

  let done: Promise<TrafficRecord> | undefined;
  return {
    stop() {
      done ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        rec.stoppedAt = Date.now();
        await Promise.all([...inFlight]);
        keepAlive.destroy();
        return rec;
      })();
      return done;
    },
  };
}

/** Requests and failures (by kind) among those started in [from, to). */
export function summarize(
  rec: TrafficRecord,
  from = rec.startedAt,
  to = rec.stoppedAt,
): { requests: number; ok: number; failed: number; failures: Partial<Record<FailureKind, number>> } {
  let ok = 0;
  for (const dt of rec.ok) if (rec.startedAt + dt >= from && rec.startedAt + dt < to) ok++;
  const failures: Partial<Record<FailureKind, number>> = {};
  let failed = 0;
  for (const f of rec.failures)
    if (f.t >= from && f.t < to) {
      failures[f.kind] = (failures[f.kind] ?? 0) + 1;
      failed++;
    }
  return { requests: ok + failed, ok, failed, failures };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [url, rate] = process.argv.slice(2);
  if (!url) throw new Error('usage: steady-traffic.ts URL [RATE]');
  const traffic = startTraffic({ url, rate: rate ? Number(rate) : undefined });
  let buf = '';
  const finish = async () => {
    const rec = await traffic.stop();
    process.stdout.write(`${JSON.stringify(rec)}\n`);
    process.exit(0);
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c: string) => {
    buf += c;
    if (/\bstop\b/.test(buf)) void finish();
  });
  process.stdin.on('end', () => void finish());
  process.stdout.write('traffic started\n');
}
