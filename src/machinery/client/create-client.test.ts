import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, impersonatingClient } from './create-client.js';
import { ClientError, isNotFound } from './client-error.js';
import { loadKubeconfig } from './kubeconfig.js';
import type { WatchEvent } from './watch-stream.js';
import { CONFIG_MAPS, DEPLOYMENTS } from '../resources/well-known.js';

interface Seen {
  method: string;
  url: string;
  auth?: string;
  contentType?: string;
  body: string;
}
const seen: Seen[] = [];
let respond: (req: IncomingMessage, res: ServerResponse, body: string) => void = () => {};
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      respond(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const namespaces = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

test('requests carry the bearer token and build Kubernetes paths, query and content types', async () => {
  const client = createClient({ server: url, token: 'sekret' });
  respond = (_req, res, body) =>
    json(res, 200, body.startsWith('{') ? JSON.parse(body) : { kind: 'X', metadata: {}, items: [] });
  seen.length = 0;
  await client.get(CONFIG_MAPS, 'ns1', 'a b');
  await client.list(DEPLOYMENTS, undefined, { labelSelector: 'app=web', limit: 10 });
  await client.create(
    CONFIG_MAPS,
    'ns1',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
    { fieldManager: 'gc' },
  );
  await client.update(
    namespaces,
    '',
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, spec: { finalizers: [] } },
    { subresource: 'finalize' },
  );
  await client.updateStatus(DEPLOYMENTS, 'ns1', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } });
  await client.patch(CONFIG_MAPS, 'ns1', 'c', 'merge', { data: { a: '1' } });
  await client.patch(CONFIG_MAPS, 'ns1', 'c', 'apply', 'kind: ConfigMap', { fieldManager: 'm', force: true });
  await client.delete(CONFIG_MAPS, 'ns1', 'c', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0 });
  assert.deepEqual(
    seen.map((s) => `${s.method} ${s.url}`),
    [
      'GET /api/v1/namespaces/ns1/configmaps/a%20b',
      'GET /apis/apps/v1/deployments?labelSelector=app%3Dweb&limit=10',
      'POST /api/v1/namespaces/ns1/configmaps?fieldManager=gc',
      'PUT /api/v1/namespaces/n/finalize',
      'PUT /apis/apps/v1/namespaces/ns1/deployments/d/status',
      'PATCH /api/v1/namespaces/ns1/configmaps/c',
      'PATCH /api/v1/namespaces/ns1/configmaps/c?fieldManager=m&force=true',
      'DELETE /api/v1/namespaces/ns1/configmaps/c',
    ],
  );
  assert.ok(seen.every((s) => s.auth === 'Bearer sekret'));
  assert.equal(seen[5].contentType, 'application/merge-patch+json');
  assert.equal(seen[6].contentType, 'application/apply-patch+yaml');
  assert.deepEqual(JSON.parse(seen[7].body), {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    propagationPolicy: 'Foreground',
    gracePeriodSeconds: 0,
  });
  await client.close();
});

test('a failure comes back as a ClientError carrying the Status', async () => {
  const client = createClient({ server: url });
  respond = (_req, res) =>
    json(res, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 404,
      reason: 'NotFound',
      message: 'configmaps "x" not found',
    });
  const err = await client.get(CONFIG_MAPS, 'ns1', 'x').catch((e: unknown) => e);
  assert.ok(err instanceof ClientError);
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
  assert.equal(err.message, 'configmaps "x" not found');
  assert.ok(isNotFound(err));
  respond = (_req, res) => {
    res.writeHead(503);
    res.end('overloaded');
  };
  const plain = await client.list(CONFIG_MAPS).catch((e: unknown) => e);
  assert.ok(plain instanceof ClientError);
  assert.equal(plain.reason, 'ServiceUnavailable');
  assert.equal(plain.message, 'overloaded');
  await client.close();
});

test('watch parses events split across chunks, types ERROR, and stop() ends it', async () => {
  const client = createClient({ server: url });
  let open: ServerResponse | undefined;
  respond = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(
      '{"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"5"}}}\n{"type":"MOD',
    );
    setTimeout(() => {
      res.write('IFIED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"6"}}}\n');
      res.write('{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}\n');
    }, 10);
    open = res;
  };
  const events: WatchEvent[] = [];
  const handle = client.watch(CONFIG_MAPS, 'ns1', { resourceVersion: '4', allowWatchBookmarks: true }, (ev) =>
    events.push(ev),
  );
  while (events.length < 3) await new Promise((r) => setTimeout(r, 5));
  assert.match(
    seen.at(-1)?.url ?? '',
    /^\/api\/v1\/namespaces\/ns1\/configmaps\?watch=true&resourceVersion=4&allowWatchBookmarks=true$/,
  );
  assert.deepEqual(
    events.map((e) =>
      e.type === 'ERROR' ? `ERROR ${e.status.code}` : `${e.type} ${e.object.metadata.resourceVersion}`,
    ),
    ['ADDED 5', 'MODIFIED 6', 'ERROR 410'],
  );
  handle.stop();
  await handle.done;
  open?.end();
  await client.close();
});

test('a watch refused with an HTTP error rejects done with a ClientError', async () => {
  const client = createClient({ server: url });
  respond = (_req, res) =>
    json(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
  const handle = client.watch(CONFIG_MAPS, undefined, { resourceVersion: '1' }, () => {});
  await assert.rejects(handle.done, (e: unknown) => e instanceof ClientError && e.code === 410);
  await client.close();
});

test('loadKubeconfig reads server, CA data and token of the current context', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-'));
  const path = join(dir, 'kubeconfig.yaml');
  const ca = '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n';
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: https://10.0.0.1:6443}
- name: flotilla
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${Buffer.from(ca).toString('base64')}
users:
- name: admin
  user:
    token: t0k
contexts:
- name: flotilla
  context: {cluster: flotilla, user: admin}
current-context: flotilla
`,
  );
  assert.deepEqual(await loadKubeconfig(path), { server: 'https://127.0.0.1:6443', caPem: ca, token: 't0k' });
});

test('an impersonating client sends Impersonate-User and one Impersonate-Group per group over the same connections', async () => {
  const headers: Record<string, string | string[] | undefined>[] = [];
  respond = (req, res) => {
    headers.push({ user: req.headers['impersonate-user'], groups: req.headersDistinct['impersonate-group'] });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}');
  };
  const base = createClient({ server: url, token: 'admin' });
  const node = impersonatingClient(base, 'system:node:n1', ['system:nodes', 'extra']);
  await node.get(CONFIG_MAPS, 'default', 'x');
  await node.close(); // leaves base open
  await base.get(CONFIG_MAPS, 'default', 'x');
  await base.close();
  assert.deepEqual(headers, [
    { user: 'system:node:n1', groups: ['system:nodes', 'extra'] },
    { user: undefined, groups: undefined },
  ]);
  assert.equal(seen.at(-2)?.auth, 'Bearer admin');
});
