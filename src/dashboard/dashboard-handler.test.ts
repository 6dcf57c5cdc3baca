import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Assets } from './assets.js';
import { CONTENT_SECURITY_POLICY, createDashboard, type Dashboard } from './dashboard-handler.js';
import type { DashboardUser } from './sessions.js';

const tokens = new Map<string, DashboardUser>([['good', { name: 'jane', groups: ['devs'] }]]);
const served: { url: string; user: DashboardUser; headers: IncomingHttpHeaders }[] = [];
const appJs = Buffer.from(`console.log(${JSON.stringify('x'.repeat(2000))});`);
const assets: Assets = new Map([
  ['index.html', { type: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html>'), etag: '"i"' }],
  ['app.js', { type: 'text/javascript; charset=utf-8', body: appJs, gzip: Buffer.alloc(0), etag: '"a"' }],
]);
const upgrades: { url: string; user: DashboardUser; headers: IncomingHttpHeaders }[] = [];
let dashboard: Dashboard;
let server: Server;
let base = '';

before(async () => {
  const { gzipSync } = await import('node:zlib');
  (assets.get('app.js') as { gzip?: Buffer }).gzip = gzipSync(appJs);
  dashboard = createDashboard({
    caPem: '',
    authenticateToken: (t) => tokens.get(t),
    serveApi: (req, res, user) => {
      served.push({ url: req.url ?? '', user, headers: { ...req.headers } });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"kind":"NamespaceList"}');
    },
    serveApiUpgrade: (req, socket, _head, user) => {
      upgrades.push({ url: req.url ?? '', user, headers: { ...req.headers } });
      socket.end('HTTP/1.1 418 Upgraded Here\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    },
    assets: async () => assets,
    // As the API authenticates: here a bearer token only.
    credentialOf: (req) => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      return token ? { kind: 'token', token } : undefined;
    },
  });
  server = createServer((req, res) => dashboard.handle(req, res));
  server.on('upgrade', (req, socket, head) => dashboard.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: () => Record<string, unknown>;
}

function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b.toString()) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function login(token = 'good'): Promise<{ cookie: string; csrf: string; reply: Reply }> {
  const reply = await call(
    'POST',
    '/dashboard/login',
    { 'Content-Type': 'application/json' },
    JSON.stringify({ token }),
  );
  const setCookie = reply.headers['set-cookie']?.[0] ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', csrf: String(reply.json().csrfToken ?? ''), reply };
}

test('pages and assets carry a strict CSP; assets are gzipped from memory; /dashboard redirects', async () => {
  const index = await call('GET', '/dashboard/');
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe/);
  assert.equal(index.headers['x-frame-options'], 'DENY');
  assert.equal(index.headers['cache-control'], 'no-store');
  const js = await call('GET', '/dashboard/assets/app.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(js.headers['content-encoding'], 'gzip');
  assert.deepEqual(gunzipSync(js.body), appJs);
  assert.equal((await call('GET', '/dashboard/assets/app.js', { 'If-None-Match': '"a"' })).status, 304);
  assert.equal((await call('GET', '/dashboard/assets/nope.js')).status, 404);
  const redirect = await call('GET', '/dashboard');
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.location, '/dashboard/');
  assert.equal((await call('POST', '/dashboard/')).status, 405);
});

test('login sets an HttpOnly, Secure, SameSite=Strict cookie scoped to /dashboard/; the body has no credential', async () => {
  const { reply } = await login();
  assert.equal(reply.status, 200);
  assert.match(
    reply.headers['set-cookie']?.[0] ?? '',
    /^flotilla-dashboard=[A-Za-z0-9_-]{43}; Path=\/dashboard\/; HttpOnly; Secure; SameSite=Strict$/,
  );
  assert.deepEqual(Object.keys(reply.json()).sort(), ['csrfToken', 'user']);
  assert.deepEqual(reply.json().user, { name: 'jane', groups: ['devs'] });
  assert.doesNotMatch(reply.body.toString(), /good/);
});

test('login refuses a bad token (401), a bad body (400 naming the field), other origins and content types', async () => {
  const json = { 'Content-Type': 'application/json' };
  const bad = await call('POST', '/dashboard/login', json, '{"token":"bad"}');
  assert.equal(bad.status, 401);
  assert.equal(bad.json().kind, 'Status');
  assert.equal(bad.headers['set-cookie'], undefined);
  const missing = await call('POST', '/dashboard/login', json, '{"tokn":"good"}');
  assert.equal(missing.status, 400);
  assert.match(String(missing.json().message), /unknown field "tokn"/);
  const form = await call('POST', '/dashboard/login', { 'Content-Type': 'text/plain' }, '{"token":"good"}');
  assert.equal(form.status, 415);
  const cross = await call('POST', '/dashboard/login', { ...json, Origin: 'https://evil.example' }, '{"token":"good"}');
  assert.equal(cross.status, 403);
  const site = await call('POST', '/dashboard/login', { ...json, 'Sec-Fetch-Site': 'cross-site' }, '{"token":"good"}');
  assert.equal(site.status, 403);
  assert.equal((await call('GET', '/dashboard/login')).status, 405);
});

test('the API path acts as the session user, needs the CSRF token, and drops other credentials', async () => {
  const { cookie, csrf } = await login();
  served.length = 0;
  const ok = await call('GET', '/dashboard/k8s/api/v1/namespaces?watch=1&labelSelector=a%3Db', {
    Cookie: `other=1; ${cookie}`,
    'X-CSRF-Token': csrf,
    Authorization: 'Bearer admin-token',
    'Impersonate-User': 'admin',
    Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal(served.length, 1);
  const [s] = served;
  assert.equal(s?.url, '/api/v1/namespaces?watch=1&labelSelector=a%3Db');
  assert.deepEqual(s?.user, { name: 'jane', groups: ['devs'] });
  assert.equal(s?.headers.authorization, undefined);
  assert.equal(s?.headers.cookie, undefined);
  assert.equal(s?.headers['impersonate-user'], undefined);
  assert.equal(s?.headers['x-csrf-token'], undefined);
  assert.equal(s?.headers.accept, 'application/json;as=Table;v=v1;g=meta.k8s.io');

  assert.equal((await call('GET', '/dashboard/k8s/api/v1/namespaces', { Cookie: cookie })).status, 403);
  assert.equal(
    (await call('GET', '/dashboard/k8s/api/v1/namespaces', { Cookie: cookie, 'X-CSRF-Token': 'x' })).status,
    403,
  );
  assert.equal((await call('GET', '/dashboard/k8s/api/v1/namespaces', { 'X-CSRF-Token': csrf })).status, 401);
  const outside = await call('GET', '/dashboard/k8s/metrics', { Cookie: cookie, 'X-CSRF-Token': csrf });
  assert.equal(outside.status, 404);
  assert.equal(served.length, 1);
});

test('logout ends the session on the server: the same cookie no longer works', async () => {
  const { cookie, csrf } = await login();
  const who = await call('GET', '/dashboard/session', { Cookie: cookie });
  assert.equal(who.status, 200);
  assert.equal(who.json().csrfToken, csrf);
  assert.equal((await call('POST', '/dashboard/logout', { Cookie: cookie })).status, 403, 'CSRF token needed');
  const out = await call('POST', '/dashboard/logout', { Cookie: cookie, 'X-CSRF-Token': csrf });
  assert.equal(out.status, 204);
  assert.match(out.headers['set-cookie']?.[0] ?? '', /^flotilla-dashboard=; .*Max-Age=0/);
  assert.equal((await call('GET', '/dashboard/session', { Cookie: cookie })).status, 401);
  assert.equal((await call('GET', '/dashboard/k8s/api/v1/pods', { Cookie: cookie, 'X-CSRF-Token': csrf })).status, 401);
});

test('a revoked token ends its session at the next request', async () => {
  tokens.set('temp', { name: 'tmp', groups: [] });
  const { cookie, csrf } = await login('temp');
  const h = { Cookie: cookie, 'X-CSRF-Token': csrf };
  assert.equal((await call('GET', '/dashboard/k8s/api/v1/pods', h)).status, 200);
  tokens.delete('temp');
  const gone = await call('GET', '/dashboard/k8s/api/v1/pods', h);
  assert.equal(gone.status, 401);
  assert.match(String(gone.json().message), /no longer valid/);
  tokens.set('temp', { name: 'tmp', groups: [] });
  assert.equal((await call('GET', '/dashboard/k8s/api/v1/pods', h)).status, 401, 'the session stays ended');
});

test('a one-time code logs in once', async () => {
  const code = dashboard.loginCode({ kind: 'token', token: 'good' });
  const json = { 'Content-Type': 'application/json' };
  const first = await call('POST', '/dashboard/login', json, JSON.stringify({ code }));
  assert.equal(first.status, 200);
  assert.deepEqual(first.json().user, { name: 'jane', groups: ['devs'] });
  const again = await call('POST', '/dashboard/login', json, JSON.stringify({ code }));
  assert.equal(again.status, 401);
});

test("/dashboard/login-codes mints a code for the caller's own API credential", async () => {
  const minted = await call('POST', '/dashboard/login-codes', { Authorization: 'Bearer good' });
  assert.equal(minted.status, 201);
  const { code, path, user, expiresInSeconds } = minted.json() as {
    code: string;
    path: string;
    user: unknown;
    expiresInSeconds: number;
  };
  assert.equal(path, `/dashboard/#code=${code}`);
  assert.deepEqual(user, { name: 'jane', groups: ['devs'] });
  assert.equal(expiresInSeconds, 300);
  const json = { 'Content-Type': 'application/json' };
  const used = await call('POST', '/dashboard/login', json, JSON.stringify({ code }));
  assert.deepEqual(used.json().user, { name: 'jane', groups: ['devs'] });
  assert.equal((await call('POST', '/dashboard/login-codes', { Authorization: 'Bearer bad' })).status, 401);
  assert.equal((await call('POST', '/dashboard/login-codes')).status, 401);
  assert.equal((await call('GET', '/dashboard/login-codes', { Authorization: 'Bearer good' })).status, 405);
  const cross = await call('POST', '/dashboard/login-codes', {
    Authorization: 'Bearer good',
    Origin: 'https://x.example',
  });
  assert.equal(cross.status, 403);
});

test('without a built bundle the page says how to build it', async () => {
  const d = createDashboard({
    caPem: '',
    authenticateToken: () => undefined,
    serveApi: () => {},
    assets: async () => new Map(),
  });
  const s = createServer((req, res) => d.handle(req, res));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  try {
    const body = await new Promise<{ status: number; text: string }>((resolve) =>
      request(`http://127.0.0.1:${(s.address() as AddressInfo).port}/dashboard/`, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      }).end(),
    );
    assert.equal(body.status, 503);
    assert.match(body.text, /npm run build/);
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** An upgrade request (a WebSocket handshake) and the status line of its answer. */
function upgrade(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

test('a WebSocket (exec) goes to the API as the session user with the CSRF token as a subprotocol, which is removed', async () => {
  const { cookie, csrf } = await login();
  const host = base.slice('http://'.length);
  const path = '/dashboard/k8s/api/v1/namespaces/default/pods/p/exec?command=sh&stdin=true&tty=true';
  const good = {
    Cookie: cookie,
    Origin: `https://${host}`,
    'Sec-WebSocket-Protocol': `v5.channel.k8s.io, v4.channel.k8s.io, csrf.dashboard.flotilla.dev.${csrf}`,
  };
  upgrades.length = 0;
  assert.equal((await upgrade(path, good)).status, 418);
  assert.equal(upgrades.length, 1);
  assert.equal(upgrades[0]?.url, '/api/v1/namespaces/default/pods/p/exec?command=sh&stdin=true&tty=true');
  assert.equal(upgrades[0]?.user.name, 'jane');
  assert.equal(upgrades[0]?.headers['sec-websocket-protocol'], 'v5.channel.k8s.io, v4.channel.k8s.io');
  assert.equal(upgrades[0]?.headers.cookie, undefined);

  const refused = async (headers: Record<string, string>, status: number, message: RegExp) => {
    const r = await upgrade(path, headers);
    assert.equal(r.status, status, r.body);
    assert.match(r.body, message);
    assert.match(r.body, /"kind":"Status"/);
  };
  await refused({ ...good, 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' }, 403, /CSRF/);
  await refused(
    { ...good, 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io, csrf.dashboard.flotilla.dev.wrong' },
    403,
    /CSRF/,
  );
  await refused({ ...good, Origin: 'https://evil.example' }, 403, /cross-origin/);
  await refused({ ...good, Cookie: 'flotilla-dashboard=nope' }, 401, /log in/);
  const other = await upgrade('/dashboard/assets/app.js', good);
  assert.equal(other.status, 404);
  assert.equal(upgrades.length, 1);
});
