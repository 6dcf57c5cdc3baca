import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway single-member etcd for tests, listening only on 127.0.0.1. */
export interface EtcdTestServer {
  /** Client URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  clientPort: number;
  dataDir: string;
  /** Kills etcd and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

export interface EtcdTestServerOptions {
  /** etcd binary (default: `etcd` on PATH). */
  binary?: string;
  /** How long to wait for /health (default 15000 ms). */
  timeoutMs?: number;
  /**
   * Fills the (empty) data dir before etcd starts, e.g. restores a snapshot for the member named
   * `test` with this peer URL (etcd starts on what it finds).
   */
  prepareDataDir?: (dataDir: string, member: { name: string; peerUrl: string }) => Promise<void>;
}

/** True when an etcd binary can be run; test files use it to skip etcd suites on machines without one. */
export function etcdAvailable(binary = 'etcd'): boolean {
  const r = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Starts etcd on free 127.0.0.1 ports with a fresh temp data dir and resolves once /health says
 * so. Retries with new ports if the chosen ones were taken in between. The caller must stop() it.
 */
export async function startEtcdTestServer(options: EtcdTestServerOptions = {}): Promise<EtcdTestServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function startOnce(options: EtcdTestServerOptions): Promise<EtcdTestServer> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-etcd-'));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  if (options.prepareDataDir) {
    try {
      await options.prepareDataDir(dataDir, { name: 'test', peerUrl: peer });
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }
  const child = spawn(
    options.binary ?? 'etcd',
    [
      '--name=test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = once(async () => {
    await kill(child);
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    await waitHealthy(client, child, options.timeoutMs ?? 15_000);
  } catch (err) {
    await stop();
    throw new Error(`etcd did not become healthy: ${(err as Error).message}\n${stderr}`);
  }
  return { endpoint: client, clientPort, dataDir, stop };
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`etcd exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timeout');
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
