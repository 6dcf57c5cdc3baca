/**
 * Helpers for the end-to-end tests: kubectl table parsing, background `kubectl get -w` runs,
 * fixtures and raw HTTPS requests to a TestServer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request, type Agent } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlBinary } from './kubectl.js';
import type { TestServer } from './cluster.js';
import { until } from './wait-until.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'e2e');

/** Text of test/fixtures/e2e/<name>. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Writes `text` to `<server data dir>/<name>` and returns the path (for `kubectl -f`). */
export async function writeManifest(server: TestServer, name: string, text: string): Promise<string> {
  const p = join(server.dataDir, name);
  await writeFile(p, text);
  return p;
}

export interface Table {
  header: string[];
  rows: string[][];
  /** Rows as objects keyed by header. */
  records: Record<string, string>[];
}

/**
 * Parses kubectl's human-readable table output. Columns are cut at the header's column starts
 * (kubectl pads with a tabwriter, so every row lines up with the header), which keeps empty cells.
 */
export function parseTable(stdout: string): Table {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { header: [], rows: [], records: [] };
  const headerLine = lines[0];
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g; // header names may not contain two spaces
  let m: RegExpExecArray | null;
  const header: string[] = [];
  while ((m = re.exec(headerLine)) !== null) {
    starts.push(m.index);
    header.push(m[0]);
  }
  const rows = lines
    .slice(1)
    .map((line) => starts.map((s, i) => line.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim()));
  const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
  return { header, rows, records };
}

/** A kubectl process running in the background (e.g. `get -w`), with its output as lines. */
export interface BackgroundKubectl {
  lines(): string[];
  stderr(): string;
  /** Resolves with the lines once `predicate(lines)` holds; rejects after timeoutMs with the output so far. */
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  /** Kills this kubectl (SIGKILL) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export function kubectlBackground(server: TestServer, args: string[], version?: string): BackgroundKubectl {
  const child: ChildProcess = spawn(
    kubectlBinary(version),
    ['--kubeconfig', server.kubeconfig, '--cache-dir', join(server.dataDir, 'kubectl-cache'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines = () => out.split('\n').filter((l) => l !== '');
  return {
    lines,
    stderr: () => err,
    waitFor(predicate, timeoutMs = 10_000) {
      const printed = () => `kubectl ${args.join(' ')} printed:\n${out}\nstderr:\n${err}`;
      return until(
        `kubectl ${args.join(' ')} to print the expected lines`,
        () => {
          const now = lines();
          if (predicate(now)) return now;
          if (child.exitCode !== null) throw new Error(`kubectl exited ${child.exitCode}; ${printed()}`);
          return undefined;
        },
        { timeoutMs, intervalMs: 25, describe: printed },
      );
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface ApiRequestOptions {
  headers?: Record<string, string>;
  /** Default: the admin token. */
  token?: string;
  timeoutMs?: number;
  /** An https.Agent to reuse connections (default: a fresh connection per request). */
  agent?: Agent;
}

/**
 * One HTTPS request to the server with the admin token. `body` objects are sent as JSON; strings and
 * buffers as they are (set a content-type in headers). Never rejects for an HTTP status; rejects on
 * connection errors and timeouts.
 */
export function apiRequest(
  server: Pick<TestServer, 'url' | 'caPem' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
  opts: ApiRequestOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${opts.token ?? server.token}`,
    accept: 'application/json',
    ...opts.headers,
  };
  let payload: Buffer | undefined;
  if (body !== undefined) {
    payload =
      typeof body === 'string'
        ? Buffer.from(body)
        : body instanceof Uint8Array
          ? Buffer.from(body)
          : Buffer.from(JSON.stringify(body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = request(
      server.url + path,
      { method, headers, ca: server.caPem, agent: opts.agent ?? false, timeout: opts.timeoutMs ?? 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The ConfigMap the root CA publisher puts in every namespace (Kubernetes' kube-root-ca.crt). */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/** kubectl output without the lines about kube-root-ca.crt, for tests about a namespace's own ConfigMaps. */
export function withoutRootCa(output: string): string {
  return output
    .split('\n')
    .filter((line) => !line.includes(ROOT_CA_CONFIGMAP))
    .join('\n');
}
