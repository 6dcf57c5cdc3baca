import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { KUBERNETES_MINOR } from '../server/version-info.js';

/**
 * kubectl versions this server is tested with (the real binaries, test/e2e-kubectl*.test.ts). The
 * upstream skew policy is one minor either side of the server's; older ones than these miss what
 * `kubectl apply` and the generators ask of the API (Debian 12's `kubernetes-client` is 1.20).
 */
export const KUBECTL_TESTED = { oldest: 27, newest: 33 } as const;

/** Where `flotilla get-kubectl` downloads from by default (the Kubernetes release host). */
export const KUBECTL_RELEASES = 'https://dl.k8s.io/release';

/** The first executable `name` on `path` (PATH's syntax), or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The minor version in `kubectl version --client` output (`Client Version: v1.20.15`, or the old `Minor:"20"`). Pure. */
export function parseClientMinor(text: string): number | undefined {
  const m = /Client Version: v?1\.(\d+)\./.exec(text) ?? /Minor:"(\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Runs `kubectl version --client` (3 s at most); its minor version, undefined when that fails. */
export function clientMinor(kubectl: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn(kubectl, ['version', '--client'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000 });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', () => resolve(undefined));
    child.on('close', () => resolve(parseClientMinor(out)));
  });
}

/**
 * What `up` says about the kubectl a person would use, once it is ready: nothing when the one on
 * PATH fits; otherwise one line naming the problem and the way out. Pure.
 */
export function kubectlAdvice(found: { path?: string; minor?: number }): string | undefined {
  const get = `\`flotilla get-kubectl\` installs kubectl 1.${KUBERNETES_MINOR} (checksum-checked) into /usr/local/bin`;
  if (!found.path) return `no kubectl on PATH: ${get}; until then the dashboard link above works in a browser`;
  if (found.minor === undefined) return undefined; // a wrapper that does not say: let it be
  if (found.minor < KUBECTL_TESTED.oldest)
    return `${found.path} is kubectl 1.${found.minor}, too old for this server (1.${KUBERNETES_MINOR}; 1.${KUBECTL_TESTED.oldest} to 1.${KUBECTL_TESTED.newest} work): ${get}, ahead of it on PATH`;
  return undefined;
}

export interface GetKubectlFlags {
  /** Install into this directory (default /usr/local/bin). */
  dir: string;
  /** Minor version (default the server's). */
  minor?: string;
  /** Release host, e.g. a mirror of dl.k8s.io/release (default KUBECTL_RELEASES). */
  from?: string;
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.text()).trim();
}

/**
 * `flotilla get-kubectl`: the newest patch release of kubectl 1.<minor> for linux/amd64 from the
 * release host (`stable-1.<minor>.txt`, then `<version>/bin/linux/amd64/kubectl` and its
 * `.sha256`), checked against that checksum, installed as `<dir>/kubectl` (mode 0755, written
 * beside it and renamed into place). Resolves with the path and version; rejects naming the step
 * that failed (nothing is installed then).
 */
export async function getKubectl(
  flags: GetKubectlFlags,
  progress: (line: string) => void = () => {},
): Promise<{ path: string; version: string }> {
  const base = (flags.from ?? KUBECTL_RELEASES).replace(/\/+$/, '');
  const minor = flags.minor ?? KUBERNETES_MINOR;
  if (!/^\d+$/.test(minor)) throw new Error(`--minor must be a number such as ${KUBERNETES_MINOR}, not ${minor}`);
  const version = await fetchText(`${base}/stable-1.${minor}.txt`);
  if (!/^v1\.\d+\.\d+$/.test(version)) throw new Error(`${base}/stable-1.${minor}.txt: not a version: ${version}`);
  const url = `${base}/${version}/bin/linux/amd64/kubectl`;
  progress(`downloading kubectl ${version} from ${url}`);
  const [res, sum] = await Promise.all([fetch(url, { redirect: 'follow' }), fetchText(`${url}.sha256`)]);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const want = sum.split(/\s+/)[0] ?? '';
  const got = createHash('sha256').update(body).digest('hex');
  if (got !== want) throw new Error(`${url}: sha256 ${got}, the release says ${want}: not installed`);
  await mkdir(flags.dir, { recursive: true });
  const path = join(flags.dir, 'kubectl');
  const tmp = `${path}.flotilla-${process.pid}`;
  try {
    await writeFile(tmp, body, { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return { path, version };
}

/** The command: prints progress and the result; exits 1 with the reason on failure. */
export async function runGetKubectl(flags: GetKubectlFlags): Promise<void> {
  const out = (line: string) => process.stdout.write(`flotilla: ${line}\n`);
  try {
    const { path, version } = await getKubectl(flags, out);
    out(`installed kubectl ${version} as ${path} (sha256 checked)`);
    const first = findOnPath('kubectl');
    if (first && first !== path) out(`note: ${first} comes first on PATH; run ${path} or put ${flags.dir} ahead of it`);
  } catch (err) {
    process.stderr.write(`flotilla get-kubectl: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
