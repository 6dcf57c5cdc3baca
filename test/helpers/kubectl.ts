import assert from 'node:assert/strict';
/**
 * Runs the machine's real kubectl. On these machines `kubectl` on PATH is a dispatcher; versioned
 * binaries (`kubectl.1.27` ... `kubectl.1.33`) sit beside the file it links to.
 */
import { spawn } from 'node:child_process';
import { readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Path of the kubeconfig to use (`--kubeconfig`). */
  kubeconfig: string;
  /** Written to kubectl's stdin (then closed). */
  stdin?: string;
  /** Extra environment variables (e.g. EDITOR). */
  env?: Record<string, string>;
  /** `1.27` picks kubectl.1.27; default the newest versioned binary. */
  version?: string;
  /** Kill kubectl after this long (default 60 s); the result then has code 124. */
  timeoutMs?: number;
  /** Sees stderr as it arrives (e.g. to wait for a line of `-v=6` request logging). */
  onStderr?: (chunk: string) => void;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      return realpathSync(p);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Versions of kubectl available beside the one on PATH, oldest first (e.g. ['1.27', ..., '1.33']). */
export function kubectlVersions(): string[] {
  const main = findOnPath('kubectl');
  if (!main) return [];
  return readdirSync(dirname(main))
    .map((f) => /^kubectl\.(\d+)\.(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([maj, min]) => `${maj}.${min}`);
}

/** Absolute path of the kubectl binary for `version` (default newest); throws when it is not installed. */
export function kubectlBinary(version?: string): string {
  const main = findOnPath('kubectl');
  if (!main) throw new Error('kubectl is not on PATH');
  const versions = kubectlVersions();
  const want = version ?? versions.at(-1);
  if (want === undefined) return main;
  if (!versions.includes(want)) throw new Error(`kubectl ${want} is not installed (have ${versions.join(', ')})`);
  return join(dirname(main), `kubectl.${want}`);
}

/**
 * Runs `kubectl --kubeconfig <kubeconfig> --cache-dir <beside it> ...args` and collects its output.
 * Never rejects for a non-zero exit (that is in `code`); rejects only when kubectl cannot start.
 */
export function kubectl(args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  const bin = kubectlBinary(opts.version);
  const cacheDir = join(dirname(opts.kubeconfig), 'kubectl-cache');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--kubeconfig', opts.kubeconfig, '--cache-dir', cacheDir, ...args], {
      env: { ...process.env, KUBECONFIG: opts.kubeconfig, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      opts.onStderr?.(c);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? 1), stdout, stderr });
    });
    child.stdin.on('error', () => {}); // kubectl may exit without reading stdin
    child.stdin.end(opts.stdin ?? '');
  });
}

/** The stdout of a kubectl run that must have succeeded (the assertion carries its stderr). */
export function ok(r: KubectlResult): string {
  assert.equal(r.code, 0, `kubectl failed: ${r.stderr}`);
  return r.stdout;
}
