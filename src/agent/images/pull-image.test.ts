/**
 * ImagePuller against a small in-process registry on 127.0.0.1 speaking the parts of the
 * distribution API a pull uses, with a Bearer token server (Docker Hub's flow), a blob redirect
 * to another port, Docker schema 2 media types and a manifest list. The real docker-registry is
 * used by test/agent-registry.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { runCommand } from '../../machinery/exec/run-command.js';
import { ImageStore } from './image-store.js';
import { ImagePuller, type PullProgress } from './pull-image.js';
import { DOCKER_LIST, DOCKER_MANIFEST } from './registry/media-types.js';

const log = pino({ level: 'silent' });
const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let dir = '';
let registry: Server;
let tlsRegistry: Server;
let tlsPort = 0;
let blobHost: Server;
let port = 0;
let blobPort = 0;
let layer: Buffer;
let config: Buffer;
let manifest: Buffer;
let list: Buffer;
/** Requests seen: `METHOD path auth` (auth = the Authorization scheme or '-'). */
const seen: string[] = [];
const tokenRequests: string[] = [];
let corruptBlob = false;

const listen = (srv: Server): Promise<number> =>
  new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-pull-test-'));
  await mkdir(join(dir, 'rootfs', 'etc'), { recursive: true });
  await writeFile(join(dir, 'rootfs', 'etc', 'greeting'), 'hello\n');
  await runCommand('tar', ['-cf', join(dir, 'layer.tar'), '-C', join(dir, 'rootfs'), '.']);
  layer = gzipSync(await readFile(join(dir, 'layer.tar')));
  config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['cat', '/etc/greeting'], Env: ['A=1'] } }),
  );
  manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha(layer), size: layer.length },
      ],
    }),
  );
  list = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [
        { mediaType: DOCKER_MANIFEST, digest: sha('other'), size: 5, platform: { os: 'linux', architecture: 'arm' } },
        {
          mediaType: DOCKER_MANIFEST,
          digest: sha(manifest),
          size: manifest.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    }),
  );

  // Blob storage on another port: serves the layer without auth (like an S3 redirect target).
  blobHost = createServer((req, res) => {
    seen.push(`${req.method} blobhost${req.url} ${req.headers.authorization?.split(' ')[0] ?? '-'}`);
    res.end(corruptBlob ? Buffer.concat([layer, Buffer.from('x')]) : layer);
  });
  blobPort = await listen(blobHost);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    seen.push(`${req.method} ${url.pathname} ${auth.split(' ')[0] || '-'}`);
    if (url.pathname === '/token') {
      tokenRequests.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${auth}`);
      const anonymous = !auth;
      const good = auth === `Basic ${Buffer.from('alice:secret').toString('base64')}`;
      if (!anonymous && !good) return void res.writeHead(401).end('{"details":"bad credentials"}');
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: anonymous ? 'anon-token' : 'alice-token' }));
    }
    const private_ = url.pathname.startsWith('/v2/private/');
    const okToken = auth === 'Bearer alice-token' || (!private_ && auth === 'Bearer anon-token');
    if (!okToken) {
      const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1] ?? '';
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:${repo}:pull"`,
      });
      return void res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    const ref = url.pathname.split('/').pop() ?? '';
    if (url.pathname.includes('/manifests/')) {
      if (ref === sha('lie')) return void res.writeHead(200, { 'content-type': DOCKER_LIST }).end(list); // content of another digest
      if (ref === 'v1' || ref === sha(list))
        return void res.writeHead(200, { 'content-type': DOCKER_LIST, 'docker-content-digest': sha(list) }).end(list);
      if (ref === sha(manifest)) return void res.writeHead(200, { 'content-type': DOCKER_MANIFEST }).end(manifest);
      return void res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    }
    if (ref === sha(config)) return void res.writeHead(200).end(config);
    if (ref === sha(layer))
      return void res.writeHead(307, { location: `http://127.0.0.1:${blobPort}/data/layer` }).end();
    res.writeHead(404).end();
  };
  registry = createServer(handler);
  port = await listen(registry);
  // The same registry over HTTPS with a self-signed certificate for 127.0.0.1.
  await runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, 'tls.key'),
    '-out',
    join(dir, 'tls.crt'),
  ]);
  tlsRegistry = createHttpsServer(
    { key: await readFile(join(dir, 'tls.key')), cert: await readFile(join(dir, 'tls.crt')) },
    handler,
  );
  tlsPort = await listen(tlsRegistry);
});

after(async () => {
  registry?.close();
  tlsRegistry?.close();
  blobHost?.close();
  await rm(dir, { recursive: true, force: true });
});

test('anonymous Bearer token, manifest list -> linux/amd64 Docker manifest, gzip layer via a redirect without the token; unpacked', async () => {
  const store = new ImageStore(join(dir, 'store1'), log);
  const puller = new ImagePuller({ store, log });
  seen.length = 0;
  const ref = `127.0.0.1:${port}/team/app:v1`;
  const [a, b] = await Promise.all([puller.pull(ref), puller.pull(ref)]);
  assert.equal(a, b, 'one pull for concurrent callers');
  assert.equal(
    seen.filter((s) => s.startsWith('GET /v2/team/app/manifests/v1')).length,
    2,
    'challenge, then with the token',
  );
  assert.deepEqual(tokenRequests.splice(0), ['test-registry repository:team/app:pull ']);
  assert.ok(seen.includes('GET blobhost/data/layer -'), 'no Authorization sent to the other host');
  assert.equal(a.manifestDigest, sha(manifest));
  assert.equal(a.id, sha(config));
  assert.deepEqual(a.layers, [sha(layer)]);
  assert.equal(a.size, layer.length);
  assert.equal(a.source, 'pull');
  assert.deepEqual(a.config.cmd, ['cat', '/etc/greeting']);
  const [unpacked] = await store.layerDirs(a);
  assert.equal(await readFile(join(unpacked ?? '', 'etc', 'greeting'), 'utf8'), 'hello\n');
  assert.equal((await store.resolve(ref))?.id, a.id);
});

test('onProgress hears the pull: the layers to fetch and their bytes, then done; a second pull fetches nothing', async () => {
  const store = new ImageStore(join(dir, 'store-progress'), log);
  const reports: PullProgress[] = [];
  const puller = new ImagePuller({ store, log, onProgress: (p) => reports.push(p) });
  const ref = `127.0.0.1:${port}/team/app:v1`;
  await puller.pull(ref);
  const image = `127.0.0.1:${port}/team/app:v1`;
  assert.deepEqual(
    reports.map(({ elapsedMs: _, ...r }) => r),
    [
      { image, layers: 1, layersDone: 0, bytes: layer.length, bytesDone: 0, done: false },
      { image, layers: 1, layersDone: 1, bytes: layer.length, bytesDone: layer.length, done: false },
      { image, layers: 1, layersDone: 1, bytes: layer.length, bytesDone: layer.length, done: true },
    ],
  );
  reports.length = 0;
  await new ImagePuller({ store, log, onProgress: (p) => reports.push(p) }).pull(ref);
  assert.deepEqual(
    reports.map((r) => [r.layers, r.bytes, r.done]),
    [
      [0, 0, false],
      [0, 0, true],
    ],
  );
});

test('a private repository: the token is fetched with the credentials as Basic auth; without them the 401 is the reason', async () => {
  const store = new ImageStore(join(dir, 'store2'), log);
  const puller = new ImagePuller({ store, log });
  const ref = `127.0.0.1:${port}/private/app:v1`;
  await assert.rejects(
    puller.pull(ref),
    /failed to pull and unpack image "127\.0\.0\.1:\d+\/private\/app:v1": unexpected status .*401 Unauthorized: UNAUTHORIZED: authentication required/,
  );
  await assert.rejects(
    puller.pull(ref, { secrets: [{ match: `127.0.0.1:${port}`, username: 'alice', password: 'wrong' }] }),
    /401 Unauthorized.*fetching an auth token/,
  );
  tokenRequests.length = 0;
  const img = await puller.pull(ref, {
    secrets: [{ match: `127.0.0.1:${port}`, username: 'alice', password: 'secret' }],
  });
  assert.equal(img.id, sha(config));
  assert.deepEqual(tokenRequests, [
    `test-registry repository:private/app:pull Basic ${Buffer.from('alice:secret').toString('base64')}`,
  ]);
});

test('mirrors are tried in order (a dead one skipped); a blob whose digest is wrong fails the pull; a pinned digest must match', async () => {
  const dead = createServer();
  const deadPort = await listen(dead);
  await new Promise((r) => dead.close(r));
  const store = new ImageStore(join(dir, 'store3'), log);
  const registries = {
    mirrors: { 'mirrored.example': { endpoint: [`http://127.0.0.1:${deadPort}`, `http://127.0.0.1:${port}`] } },
    configs: {},
  };
  const puller = new ImagePuller({ store, log, registries });
  const img = await puller.pull('mirrored.example/team/app:v1');
  assert.equal(img.names[0], 'mirrored.example/team/app:v1');

  corruptBlob = true;
  try {
    const fresh = new ImagePuller({ store: new ImageStore(join(dir, 'store4'), log), log });
    await assert.rejects(
      fresh.pull(`127.0.0.1:${port}/team/app:v1`),
      /blob sha256:[0-9a-f]{64}: the content received has digest sha256:/,
    );
  } finally {
    corruptBlob = false;
  }
  const wrong = `sha256:${'0'.repeat(64)}`;
  await assert.rejects(puller.pull(`127.0.0.1:${port}/team/app@${wrong}`), /404 Not Found: MANIFEST_UNKNOWN/);
  await assert.rejects(
    puller.pull(`127.0.0.1:${port}/team/app@${sha('lie')}`),
    /manifest sha256:[0-9a-f]{64}: the content received has digest /,
  );
  const byDigest = await puller.pull(`127.0.0.1:${port}/team/app@${sha(list)}`);
  assert.equal(byDigest.id, sha(config));
});

test('an HTTPS mirror: its certificate is checked (refused unknown, accepted with ca_file or insecure_skip_verify)', async () => {
  // Registry name 127.0.0.1:1: its own endpoint (plain HTTP, nothing listening) is the fallback, so nothing leaves 127.0.0.1.
  const mirror = (tls: Record<string, unknown>) => ({
    mirrors: { '127.0.0.1:1': { endpoint: [`https://127.0.0.1:${tlsPort}`] } },
    configs: { [`127.0.0.1:${tlsPort}`]: { tls } },
  });
  const lines: string[] = [];
  const captured = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const pull = (tls: Record<string, unknown>, n: number) =>
    new ImagePuller({ store: new ImageStore(join(dir, `tls${n}`), log), log: captured, registries: mirror(tls) }).pull(
      '127.0.0.1:1/team/app:v1',
    );
  await assert.rejects(
    pull({}, 1),
    /failed to pull and unpack image "127\.0\.0\.1:1\/team\/app:v1": failed to do request: GET http:\/\/127\.0\.0\.1:1\//,
  );
  const mirrorFailure = lines
    .map((l) => JSON.parse(l) as { endpoint?: string; err?: string })
    .find((l) => l.endpoint === `https://127.0.0.1:${tlsPort}`);
  assert.match(mirrorFailure?.err ?? '', /self[- ]signed certificate/i);
  seen.length = 0;
  assert.equal((await pull({ ca_file: join(dir, 'tls.crt') }, 2)).id, sha(config));
  assert.ok(seen.includes('GET /v2/team/app/manifests/v1 Bearer'), 'served by the HTTPS endpoint');
  assert.equal((await pull({ insecure_skip_verify: true }, 3)).id, sha(config));
});
