/**
 * Memory and readiness of the API server while large objects fan out to many watchers: a
 * namespace holds ConfigMaps of about 0.95 MiB each (3 by default, 2.9 MB in all), N watchers
 * (100 by default) watch it from the start (each gets every ConfigMap as an initial ADDED event),
 * some of them reading slowly, and then every ConfigMap is updated a few times.
 * Prints JSON: the server's VmRSS before, at its peak and after (MiB), /readyz latency while it
 * runs (p50, p99, max in ms, curl from its own process every 50 ms), how many watchers the server closed and how
 * many events the others received.
 * Usage: node --import tsx bench/watch-fanout-memory-bench.ts [--watchers 100] [--objects 3]
 *          [--updates 5] [--slow-share 0.5]
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:https';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { startTestServer, type TestServer } from '../test/helpers/cluster.js';
import { apiRequest } from '../test/helpers/e2e.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const WATCHERS = Number(opt('watchers', '100'));
const OBJECTS = Number(opt('objects', '3'));
const UPDATES = Number(opt('updates', '5'));
const SLOW_SHARE = Number(opt('slow-share', '0.5'));
const NS = 'fanout';
const SIZE = 950 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function rssMiB(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Watcher {
  res?: IncomingMessage;
  events: number;
  closedByServer: boolean;
}

function startWatcher(server: TestServer, agent: Agent, slow: boolean): Watcher {
  const w: Watcher = { events: 0, closedByServer: false };
  const req = request(
    `${server.url}/api/v1/namespaces/${NS}/configmaps?watch=true`,
    { headers: { authorization: `Bearer ${server.token}` }, ca: server.caPem, agent },
    (res) => {
      w.res = res;
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        tail += d;
        let nl = tail.indexOf('\n');
        while (nl >= 0) {
          w.events++;
          tail = tail.slice(nl + 1);
          nl = tail.indexOf('\n');
        }
      });
      res.on('end', () => {
        w.closedByServer = true;
      });
      res.on('error', () => undefined);
      // A slow client: reads a little now and then, so its socket stays full.
      if (slow) {
        res.pause();
        const timer = setInterval(() => {
          res.resume();
          setTimeout(() => res.pause(), 5);
        }, 1000);
        res.on('close', () => clearInterval(timer));
      }
    },
  );
  req.on('error', () => undefined);
  req.end();
  return w;
}

async function main(): Promise<void> {
  const server = await startTestServer({ extraArgs: ['--disable-controllers', '--disable-scheduler'] });
  const agent = new Agent({ keepAlive: true, maxSockets: WATCHERS + 10 });
  try {
    const ns = await apiRequest(server, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    if (ns.status !== 201) throw new Error(ns.text);
    const cm = (i: number, round: number) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `big-${i}` },
      data: { blob: String.fromCharCode(97 + (round % 26)).repeat(SIZE) },
    });
    for (let i = 0; i < OBJECTS; i++) {
      const r = await apiRequest(server, 'POST', `/api/v1/namespaces/${NS}/configmaps`, cm(i, 0), {
        timeoutMs: 60_000,
      });
      if (r.status !== 201) throw new Error(r.text.slice(0, 300));
    }
    await sleep(1000);
    const before = await rssMiB(server.pid);

    let peak = before;
    // /readyz is timed from its own process (curl), so the watchers' decryption in this one does
    // not count against the server.
    const latencies: number[] = [];
    const curl = spawn(
      'sh',
      [
        '-c',
        `while :; do curl -sk -o /dev/null -w '%{http_code} %{time_total}\\n' --max-time 60 ${server.url}/readyz; sleep 0.05; done`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    curl.stdout.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n')) {
        const [code, secs] = line.split(' ');
        if (secs) latencies.push(code === '200' ? Number(secs) * 1000 : Number.POSITIVE_INFINITY);
      }
    });
    let polling = true;
    const poller = (async () => {
      while (polling) {
        peak = Math.max(peak, await rssMiB(server.pid));
        await sleep(50);
      }
    })();

    const watchers: Watcher[] = [];
    for (let i = 0; i < WATCHERS; i++) watchers.push(startWatcher(server, agent, i < WATCHERS * SLOW_SHARE));
    await sleep(2000);
    for (let round = 1; round <= UPDATES; round++) {
      for (let i = 0; i < OBJECTS; i++) {
        const r = await apiRequest(server, 'PUT', `/api/v1/namespaces/${NS}/configmaps/big-${i}`, cm(i, round), {
          agent,
          timeoutMs: 60_000,
        });
        if (r.status !== 200) throw new Error(r.text.slice(0, 300));
      }
      await sleep(300);
    }
    await sleep(3000);
    polling = false;
    await poller;
    curl.kill();
    const during = await rssMiB(server.pid);
    for (const w of watchers) w.res?.destroy();
    await sleep(2000);
    const after = await rssMiB(server.pid);
    latencies.sort((a, b) => a - b);
    const fast = watchers.slice(Math.ceil(WATCHERS * SLOW_SHARE));
    console.log(
      JSON.stringify(
        {
          watchers: WATCHERS,
          objects: OBJECTS,
          objectBytes: SIZE,
          updates: UPDATES,
          slowWatchers: Math.ceil(WATCHERS * SLOW_SHARE),
          rssMiB: { before, peak, endOfRun: during, afterWatchersGone: after },
          readyzMs: {
            samples: latencies.length,
            p50: Math.round(percentile(latencies, 50) * 10) / 10,
            p99: Math.round(percentile(latencies, 99) * 10) / 10,
            max: Math.round(latencies[latencies.length - 1] * 10) / 10,
          },
          watchersClosedByServer: watchers.filter((w) => w.closedByServer).length,
          eventsPerFastWatcher: fast.length > 0 ? Math.round(fast.reduce((n, w) => n + w.events, 0) / fast.length) : 0,
        },
        null,
        2,
      ),
    );
  } catch (err) {
    // Print what the server said last: under this load an older server ran out of memory.
    const { stderr } = server.output();
    console.log(
      JSON.stringify({ error: String(err), serverExit: stderr.split('\n').filter(Boolean).slice(-8) }, null, 2),
    );
    process.exitCode = 1;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
