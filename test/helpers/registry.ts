/**
 * A real registry for pull tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 at a
 * free port, storage on a temp file system, optional htpasswd (bcrypt) auth; and a push of the
 * busybox test image through the distribution API (blob upload POST + PUT, manifest PUT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCommand } from '../../src/machinery/exec/run-command.js';
import { busyboxArchive } from '../fixtures/images/busybox.js';
import { until } from './wait-until.js';

export interface TestRegistryOptions {
  /** Require this user (htpasswd, bcrypt) for every request. */
  auth?: { username: string; password: string };
}

export interface PushOptions {
  /** Layers gzip-compressed (media type ...tar+gzip). */
  gzip?: boolean;
  /** Tag an OCI image index (a linux/arm64 decoy entry, then linux/amd64) instead of the manifest. */
  index?: boolean;
}

export interface PushedImage {
  /** Digest of the image manifest (the linux/amd64 one when pushed under an index). */
  manifestDigest: string;
  /** Digest of what the tag points at (the index when `index`). */
  tagDigest: string;
  /** Sum of the layer blob sizes. */
  size: number;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`: the registry host in image references. */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Pushes the busybox test image as `<repository>:<tag>`. */
  push(repository: string, tag: string, opts?: PushOptions): Promise<PushedImage>;
  /** Requests the registry answered, as `METHOD path status` (from its access log). */
  log(): string;
  /** Kills the registry and removes its storage. Idempotent. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (closed again at once; the registry binds it right after). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export async function startTestRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (opts.auth) {
    const htpasswd = await runCommand('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password]);
    await writeFile(join(dir, 'htpasswd'), htpasswd.stdout);
    lines.push('auth:', '  htpasswd:', '    realm: flotilla-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  await writeFile(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://${host}`;
  const authHeader: Record<string, string> = opts.auth
    ? { authorization: `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}` }
    : {};

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  // Ready when /v2/ answers (200, or 401 with auth).
  try {
    await until(
      `docker-registry to answer on ${host}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}`);
        const res = await fetch(`${url}/v2/`).catch(() => undefined);
        return res !== undefined && (res.status === 200 || res.status === 401);
      },
      { timeoutMs: 20_000 },
    );
  } catch (err) {
    await stop();
    throw new Error(`docker-registry did not start on ${host} (${String(err)}): ${output.slice(-2000)}`);
  }

  const putBlob = async (repository: string, content: Buffer): Promise<string> => {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const start = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: authHeader });
    if (start.status !== 202) throw new Error(`blob upload POST: ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get('location') ?? '', url);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...authHeader, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(content),
    });
    if (put.status !== 201) throw new Error(`blob upload PUT: ${put.status} ${await put.text()}`);
    return digest;
  };
  const putManifest = async (
    repository: string,
    reference: string,
    mediaType: string,
    body: string,
  ): Promise<string> => {
    const res = await fetch(`${url}/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { ...authHeader, 'content-type': mediaType },
      body,
    });
    if (res.status !== 201) throw new Error(`manifest PUT: ${res.status} ${await res.text()}`);
    return `sha256:${createHash('sha256').update(body).digest('hex')}`;
  };

  return {
    host,
    url,
    stop,
    log: () =>
      output
        .split('\n')
        .map((l) => /"(GET|HEAD|PUT|POST|PATCH) ([^ ]+) HTTP\/[\d.]+" (\d+)/.exec(l))
        .filter((m) => m !== null)
        .map((m) => `${m[1]} ${m[2]} ${m[3]}`)
        .join('\n'),
    async push(repository, tag, pushOpts = {}) {
      const layout = await mkdtemp(join(tmpdir(), 'flotilla-push-'));
      try {
        await runCommand('tar', ['-xf', await busyboxArchive(), '-C', layout]);
        const blob = (digest: string): Promise<Buffer> =>
          readFile(join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
        const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
          manifests: { digest: string }[];
        };
        const manifest = JSON.parse((await blob(index.manifests[0]?.digest ?? '')).toString()) as {
          config: { digest: string; size: number; mediaType: string };
          layers: { digest: string; size: number; mediaType: string }[];
        };
        await putBlob(repository, await blob(manifest.config.digest));
        let size = 0;
        const layers = [];
        for (const l of manifest.layers) {
          const content = pushOpts.gzip ? gzipSync(await blob(l.digest)) : await blob(l.digest);
          const digest = await putBlob(repository, content);
          size += content.length;
          layers.push({
            mediaType: pushOpts.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : l.mediaType,
            digest,
            size: content.length,
          });
        }
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: manifest.config,
          layers,
        });
        const manifestDigest = await putManifest(
          repository,
          pushOpts.index ? `sha256:${createHash('sha256').update(body).digest('hex')}` : tag,
          'application/vnd.oci.image.manifest.v1+json',
          body,
        );
        if (!pushOpts.index) return { manifestDigest, tagDigest: manifestDigest, size };
        const entry = {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: Buffer.byteLength(body),
        };
        const indexBody = JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            { ...entry, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
            { ...entry, platform: { os: 'linux', architecture: 'amd64' } },
          ],
        });
        const tagDigest = await putManifest(repository, tag, 'application/vnd.oci.image.index.v1+json', indexBody);
        return { manifestDigest, tagDigest, size };
      } finally {
        await rm(layout, { recursive: true, force: true });
      }
    },
  };
}
