/**
 * Time from starting `bin/flotilla up` to the first 200 from /readyz, on a fresh data dir (TLS
 * material and database created) and on an existing one (a restart). Prints JSON with the median.
 *
 *   node --import tsx bench/startup-bench.ts [runs=10]
 *
 * Needs a build (npm run build): bin/flotilla runs dist/cli/main.js. Polls /readyz every 5 ms.
 * `medianListeningMs` is when the process printed `ready` (HTTPS listening, REST core created).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 10);

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

function readyz(port: number): Promise<number> {
  return new Promise((ok) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, agent: false, timeout: 1000 },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
      },
    );
    req.on('error', () => ok(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Starts `flotilla up`; returns ms until it printed `ready` (listening) and until /readyz was 200; stops it gracefully. */
async function once(dataDir: string): Promise<{ listening: number; ready: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    join(root, 'bin', 'flotilla'),
    ['up', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let listening = 0;
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    if (!listening && c.includes('ready: API at')) listening = performance.now() - t0;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`flotilla up exited ${child.exitCode}: ${stderr.slice(-2000)}`);
      if ((await readyz(port)) === 200) {
        const ready = performance.now() - t0;
        return { listening: listening || ready, ready };
      }
      if (performance.now() - t0 > 30_000) throw new Error(`not ready after 30 s: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return Math.round(s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2);
}

function summary(runs: Array<{ listening: number; ready: number }>): {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  medianListeningMs: number;
} {
  const samples = runs.map((r) => r.ready);
  const s = [...samples].sort((a, b) => a - b);
  return {
    runs: s.length,
    medianMs: median(s),
    minMs: Math.round(s[0] ?? 0),
    maxMs: Math.round(s.at(-1) ?? 0),
    medianListeningMs: median(runs.map((r) => r.listening)),
  };
}

const fresh: Array<{ listening: number; ready: number }> = [];
const existing: Array<{ listening: number; ready: number }> = [];
for (let i = 0; i < runs; i++) {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-startup-'));
  try {
    fresh.push(await once(dir));
    existing.push(await once(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
console.log(
  JSON.stringify(
    {
      benchmark: 'startup-to-readyz',
      command: 'bin/flotilla up',
      goalMs: 500,
      fresh: summary(fresh),
      existing: summary(existing),
    },
    null,
    2,
  ),
);
