/**
 * Starts a real `flotilla server` process for integration and end-to-end tests.
 *
 * The process runs `dist/cli/main.js` when the build is newer than every file in src/ (as after
 * `npm test`, which builds first), else the TypeScript sources through tsx (no build needed while
 * developing; about a second slower to start). It listens on 127.0.0.1 with `--port 0` unless a
 * port is given, and the helper reads the chosen port from its output, so parallel servers never
 * race for a port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KubeconfigCredential, renderKubeconfig } from '../../src/server/kubeconfig.js';
import { kubectl as runKubectl, type KubectlOptions, type KubectlResult } from './kubectl.js';
import { type Probe, until } from './wait-until.js';

export { kubectl, kubectlBinary, kubectlVersions, type KubectlOptions, type KubectlResult } from './kubectl.js';

/**
 * Writes a kubeconfig for one user of `server` (a token, a client certificate, or none: the caller
 * passes `--token`) to `<data-dir>/kubeconfigs/<user>.yaml`, context named after the user. Returns its path.
 */
export async function writeUserKubeconfig(
  server: { url: string; caPem: string; dataDir: string },
  user: string,
  credential: KubeconfigCredential,
): Promise<string> {
  const dir = join(server.dataDir, 'kubeconfigs');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${user.replace(/[^a-z0-9.-]/gi, '_')}.yaml`);
  const text = renderKubeconfig({ server: server.url, caCertPem: server.caPem, user, context: user, credential });
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestServerOptions {
  /** `sqlite` (default), `memory` or `etcd://127.0.0.1:PORT`. */
  datastore?: string;
  /** Reuse a data dir (e.g. after kill('SIGKILL')); default a fresh temp dir that stop() removes. */
  dataDir?: string;
  /** Fixed port (e.g. to restart on the same one); default 0, a free port. */
  port?: number;
  /** Extra environment of the server process (e.g. FLOTILLA_LOG_LEVEL=debug). */
  env?: Record<string, string>;
  /** Give up waiting for /readyz after this long (default 30 s). */
  readyTimeoutMs?: number;
  /** Extra `flotilla server` flags, e.g. ['--disable-controllers']. */
  extraArgs?: string[];
  /** Node.js flags for the server process (e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']). */
  nodeArgs?: string[];
}

export interface TestServer {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Path of the admin kubeconfig the server wrote. */
  kubeconfig: string;
  dataDir: string;
  /** Admin bearer token. */
  token: string;
  /** Cluster join token (`<data-dir>/token`). */
  joinToken: string;
  caPem: string;
  pid: number;
  /** What the server printed so far (progress on stdout, JSON logs on stderr). */
  output(): { stdout: string; stderr: string };
  /** Sends `signal` (default SIGKILL) and waits for the process to exit; keeps the data dir. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s), then removes the data dir if the helper created it. Idempotent. */
  stop(): Promise<void>;
  /** Runs the real kubectl against this server. */
  kubectl(args: string[], opts?: Omit<KubectlOptions, 'kubeconfig'>): Promise<KubectlResult>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The command that runs the CLI: the build when it is up to date, else tsx on the sources. */
export function flotillaCommand(): string[] {
  const built = join(REPO_ROOT, 'dist', 'cli', 'main.js');
  try {
    if (statSync(built).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'))) return [built];
  } catch {
    // not built
  }
  return ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts')];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

function getStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolvePromise) => {
    const req = request(url, { ca, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolvePromise(res.statusCode ?? 0));
    });
    req.on('error', () => resolvePromise(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Starts `flotilla server --data-dir DIR --port P --bind-address 127.0.0.1 [--datastore D]` and
 * resolves once /readyz answers 200. Rejects (after killing the process) when it exits or is not
 * ready within readyTimeoutMs; the error carries the server's output. Callers must stop() it.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'flotilla-test-')));
  const args = [
    ...(opts.nodeArgs ?? []),
    ...flotillaCommand(),
    'server',
    '--data-dir',
    dataDir,
    '--port',
    String(opts.port ?? 0),
    '--bind-address',
    '127.0.0.1',
    '--datastore',
    opts.datastore ?? 'sqlite',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));

  const fail = async (why: string): Promise<never> => {
    child.kill('SIGKILL');
    await exited(child);
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw new Error(`flotilla server ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr.slice(-4000)}`);
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  /** Waits for `probe` while the server runs and the start-up deadline lasts; else fail() with its output. */
  const whileRunning = async <T>(what: string, probe: Probe<T>): Promise<T> => {
    try {
      return await until(
        what,
        () => {
          if (gone()) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before ${what}`);
          return probe();
        },
        { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 20 },
      );
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
  };
  const url = await whileRunning('it listened', () => /ready: API at (https:\/\/\S+);/.exec(stdout)?.[1]);
  const [caPem, token, joinToken] = await Promise.all([
    readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8'),
    readFile(join(dataDir, 'admin-token'), 'utf8').then((t) => t.trim()),
    readFile(join(dataDir, 'token'), 'utf8').then((t) => t.trim()),
  ]);
  await whileRunning('/readyz answered 200', async () => (await getStatus(`${url}/readyz`, caPem)) === 200);

  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: Number(new URL(url).port),
    kubeconfig,
    dataDir,
    token,
    joinToken,
    caPem,
    pid: child.pid ?? -1,
    output: () => ({ stdout, stderr }),
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      await exited(child);
    },
    stop() {
      stopping ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited(child);
        clearTimeout(timer);
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
    kubectl: (kargs, kopts = {}) => runKubectl(kargs, { ...kopts, kubeconfig }),
  };
}
