import { createHash } from 'node:crypto';
/**
 * The HTTPS edge of the server: which paths need credentials, which credentials work, and the
 * files a first start leaves in the data dir. Runs startServer in-process with a stub REST core
 * and a stub store, so it tests only this layer.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import type { ApiHandler } from '../src/server/api-handler-contract.js';
import type { Store } from '../src/store/store.js';

let ready = true;
let storeClosed = 0;
const stubHandler: ApiHandler = {
  handle(req, res, user) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, user }));
  },
  isReady: () => ready,
  close: async () => {},
};
const stubStore = {
  // Asked once at start: a store without Secrets gets a new encryption configuration.
  count: async () => 0,
  close: async () => {
    storeClosed++;
  },
} as unknown as Store;

let dataDir: string;
let server: RunningServer;

/** The server under test answers requests without credentials 401 (`--anonymous-auth=false`) unless `anonymousAuth` is left on. */
async function start(dir = dataDir, anonymousAuth = false): Promise<RunningServer> {
  return startServer({
    dataDir: dir,
    datastore: 'memory',
    port: 0,
    host: '127.0.0.1',
    log: pino({ level: 'silent' }),
    createApiHandler: async () => stubHandler,
    openStore: async () => stubStore,
    controllers: false,
    scheduler: false,
    anonymousAuth,
  });
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'flotilla-auth-'));
  server = await start();
});
after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: string;
  contentType: string | undefined;
}

function get(
  path: string,
  opts: { token?: string; cert?: string; key?: string; headers?: Record<string, string>; to?: RunningServer } = {},
): Promise<Reply> {
  const to = opts.to ?? server;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const req = request(
      `${to.url}${path}`,
      { ca: to.caCertPem, cert: opts.cert, key: opts.key, headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: res.headers['content-type'] }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const UNAUTHORIZED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

test('no token: 401 with a Kubernetes Status', async () => {
  const r = await get('/api/v1/namespaces');
  assert.equal(r.status, 401);
  assert.equal(r.contentType, 'application/json');
  assert.deepEqual(JSON.parse(r.body), UNAUTHORIZED);
});

test('anonymous authentication (the default): no credentials reach the handler as system:anonymous; bad ones stay 401', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-anon-'));
  const otherDir = await mkdtemp(join(tmpdir(), 'flotilla-other-ca-'));
  const anon = await start(dir, true);
  const via = (path: string, opts: Parameters<typeof get>[1] = {}) => get(path, { ...opts, to: anon });
  try {
    const none = await via('/api/v1/namespaces');
    assert.equal(none.status, 200);
    assert.deepEqual(JSON.parse(none.body).user, { name: 'system:anonymous', groups: ['system:unauthenticated'] });
    // Not a bearer token: no credential (as Kubernetes), so anonymous too.
    assert.equal(
      JSON.parse((await via('/api', { headers: { authorization: 'Basic eDp5' } })).body).user.name,
      'system:anonymous',
    );
    assert.equal((await via('/api/v1/pods', { token: 'not-a-token' })).status, 401);
    const { ensureTls } = await import('../src/apiserver/tls/ensure-tls.js');
    const other = (await ensureTls(otherDir)).material;
    assert.equal((await via('/apis', { cert: other.adminCert, key: other.adminKey })).status, 401);
  } finally {
    await anon.close();
    await rm(dir, { recursive: true, force: true });
    await rm(otherDir, { recursive: true, force: true });
  }
});

test('a wrong token: 401', async () => {
  const r = await get('/api/v1/pods', { token: server.adminToken.replace(/.$/, (c) => (c === '0' ? '1' : '0')) });
  assert.equal(r.status, 401);
  assert.deepEqual(JSON.parse(r.body), UNAUTHORIZED);
});

test('the admin token reaches the REST core as admin / system:masters', async () => {
  const r = await get('/api/v1/pods?limit=1', { token: server.adminToken });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), {
    path: '/api/v1/pods?limit=1',
    user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] },
  });
});

test('the admin client certificate authenticates CN=admin O=system:masters', async () => {
  const [cert, key] = await Promise.all([
    readFile(join(dataDir, 'tls', 'admin.crt'), 'utf8'),
    readFile(join(dataDir, 'tls', 'admin.key'), 'utf8'),
  ]);
  const r = await get('/apis', { cert, key });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body).user, { name: 'admin', groups: ['system:masters', 'system:authenticated'] });
});

test('a client certificate from another CA is not accepted', async () => {
  const otherDir = await mkdtemp(join(tmpdir(), 'flotilla-other-ca-'));
  try {
    const { ensureTls } = await import('../src/apiserver/tls/ensure-tls.js');
    const other = (await ensureTls(otherDir)).material;
    const r = await get('/apis', { cert: other.adminCert, key: other.adminKey });
    assert.equal(r.status, 401);
  } finally {
    await rm(otherDir, { recursive: true, force: true });
  }
});

test('under the default Node,RBAC the join token only bootstraps: X-Flotilla-Node-Name names no node', async () => {
  const r = await get('/api/v1/nodes', { token: server.joinToken, headers: { 'x-flotilla-node-name': 'worker-1' } });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body).user, {
    name: 'system:node-bootstrapper',
    groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
  });
});

test('/cacerts serves the cluster CA without credentials, pinned by the join token', async () => {
  const r = await get('/cacerts');
  assert.equal(r.status, 200);
  assert.equal(r.body, server.caCertPem);
  assert.equal(`K10${createHash('sha256').update(r.body).digest('hex')}`, server.joinToken.split('::')[0]);
});

test('/healthz /livez /readyz and /version need no credentials', async () => {
  for (const path of ['/healthz', '/livez', '/readyz']) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.body, 'ok');
  }
  const verbose = await get('/readyz?verbose');
  assert.equal(verbose.body, '[+]ping ok\n[+]watch-cache ok\n[+]shutdown ok\nreadyz check passed\n');
  assert.equal((await get('/readyz/ping')).body, 'ok');
  assert.equal((await get('/readyz/nonsense')).status, 404);
  const v = await get('/version');
  assert.equal(v.status, 200);
  const info = JSON.parse(v.body);
  assert.equal(info.major, '1');
  assert.equal(info.minor, '31');
  assert.equal(info.gitVersion, 'v1.31.0-flotilla');
  assert.match(info.platform, /^linux\//);
});

test('/readyz fails with 500 until the REST core is ready; /livez does not', async () => {
  ready = false;
  try {
    const r = await get('/readyz');
    assert.equal(r.status, 500);
    assert.equal(r.body, '[+]ping ok\n[-]watch-cache failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n');
    assert.equal((await get('/healthz')).status, 500);
    assert.equal((await get('/livez')).status, 200);
  } finally {
    ready = true;
  }
});

test('/metrics needs credentials and counts requests by verb, resource and code', async () => {
  assert.equal((await get('/metrics')).status, 401);
  await get('/api/v1/namespaces/default/pods', { token: server.adminToken });
  const r = await get('/metrics', { token: server.adminToken });
  assert.equal(r.status, 200);
  assert.match(
    r.body,
    /flotilla_http_requests_total\{verb="LIST",group="",version="v1",resource="pods",subresource="",code="200"\} [1-9]/,
  );
  assert.match(
    r.body,
    /flotilla_http_requests_total\{verb="LIST",group="",version="v1",resource="namespaces",subresource="",code="401"\} [1-9]/,
  );
  assert.match(
    r.body,
    /flotilla_http_requests_total\{verb="GET",group="",version="",resource="",subresource="",code="200"\} [1-9]/,
  );
  assert.match(
    r.body,
    /flotilla_http_request_duration_seconds_count\{verb="LIST",group="",version="v1",resource="pods",subresource=""\} [1-9]/,
  );
  assert.match(r.body, /process_resident_memory_bytes/);
});

test('an unauthenticated upgrade request gets 401', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: server.port, ca: server.caCertPem, servername: 'localhost' }, () => {
      s.write(
        'GET /api/v1/namespaces/default/pods/p/exec?command=true HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
    });
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (data += c));
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 401 /);
});

test('the data dir holds a kubeconfig for this server and a k3s-style join token', async () => {
  const kubeconfig = await readFile(server.kubeconfigPath, 'utf8');
  assert.equal(server.kubeconfigPath, join(dataDir, 'kubeconfig.yaml'));
  assert.match(kubeconfig, new RegExp(`server: "?https://127\\.0\\.0\\.1:${server.port}"?\\n`));
  assert.match(kubeconfig, new RegExp(`token: "?${server.adminToken}"?\\n`));
  assert.match(kubeconfig, /current-context: "?flotilla"?/);
  assert.ok(kubeconfig.includes(Buffer.from(server.caCertPem).toString('base64')));
  assert.equal((await readFile(join(dataDir, 'token'), 'utf8')).trim(), server.joinToken);
  assert.match(server.joinToken, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
});

test('a restart on the same data dir keeps the CA and tokens; close closes the store once', async () => {
  const before = { ca: server.caCertPem, admin: server.adminToken, join: server.joinToken };
  const closedBefore = storeClosed;
  await server.close();
  await server.close();
  assert.equal(storeClosed, closedBefore + 1);
  server = await start();
  assert.deepEqual({ ca: server.caCertPem, admin: server.adminToken, join: server.joinToken }, before);
  assert.equal((await get('/api/v1/pods', { token: before.admin })).status, 200);
});
