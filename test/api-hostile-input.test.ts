/**
 * Hostile input through the real API of a `flotilla server` (SQLite): bodies nested too deeply,
 * integers beyond their int32/int64 formats, bad list parameters, a huge invalid label value,
 * slow request bodies. Every case must answer a 4xx Status naming the problem, store nothing that
 * cannot be read and deleted again, and leave the server ready.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { apiRequest, type ApiResponse } from './helpers/e2e.js';

let server: TestServer;
const NS = 'hostile';

before(async () => {
  server = await startTestServer({
    extraArgs: ['--disable-controllers', '--disable-scheduler', '--request-read-timeout', '2'],
  });
  const r = await apiRequest(server, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await server?.stop();
});

const CM = `/api/v1/namespaces/${NS}/configmaps`;

function assertStatus(r: ApiResponse, code: number, reason: string, message?: RegExp): void {
  assert.equal(r.status, code, r.text.slice(0, 500));
  assert.equal(r.json?.kind, 'Status', r.text.slice(0, 300));
  assert.equal(r.json.code, code);
  assert.equal(r.json.reason, reason);
  if (message) assert.match(r.json.message, message);
}

async function ready(): Promise<void> {
  const r = await apiRequest(server, 'GET', '/readyz');
  assert.equal(r.status, 200, r.text);
}

/** `{"f:x":{"f:x":...}}` nested `n` levels, written as text (JSON.stringify itself overflows on it). */
const nested = (n: number) => `${'{"f:x":'.repeat(n - 1)}{}${'}'.repeat(n - 1)}`;
const withManagedFields = (name: string, fieldsV1: string) =>
  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":${fieldsV1}}]},"data":{"k":"v"}}`;

test('managedFields nested 10,000 deep: 400 on create, update and every patch type; nothing stored', async () => {
  const body = withManagedFields('deep', nested(10_000));
  assertStatus(await apiRequest(server, 'POST', CM, body), 400, 'BadRequest', /exceeded max depth/);
  assert.equal((await apiRequest(server, 'GET', `${CM}/deep`)).status, 404);

  assert.equal((await apiRequest(server, 'POST', CM, withManagedFields('target', '{}'))).status, 201);
  assertStatus(
    await apiRequest(server, 'PUT', `${CM}/target`, withManagedFields('target', nested(10_000))),
    400,
    'BadRequest',
  );
  const deepEntry = `[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":${nested(10_000)}}]`;
  for (const [type, patch] of [
    ['application/merge-patch+json', `{"metadata":{"managedFields":${deepEntry}}}`],
    ['application/strategic-merge-patch+json', `{"metadata":{"managedFields":${deepEntry}}}`],
    ['application/json-patch+json', `[{"op":"add","path":"/metadata/managedFields","value":${deepEntry}}]`],
  ]) {
    const r = await apiRequest(server, 'PATCH', `${CM}/target`, patch, { headers: { 'content-type': type } });
    assertStatus(r, 400, 'BadRequest', /exceeded max depth/);
  }
  const applied = await apiRequest(
    server,
    'PATCH',
    `${CM}/applied?fieldManager=t`,
    withManagedFields('applied', nested(10_000)),
    {
      headers: { 'content-type': 'application/apply-patch+yaml' },
    },
  );
  assertStatus(applied, 400, 'BadRequest', /exceeded max depth/);
  let yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml\ndata:\n  k: v\nx:\n';
  for (let i = 1; i <= 2000; i++) yaml += `${' '.repeat(i)}a:\n`;
  const r = await apiRequest(server, 'POST', CM, yaml, { headers: { 'content-type': 'application/yaml' } });
  assertStatus(r, 400, 'BadRequest', /exceeded max depth/);

  const got = await apiRequest(server, 'GET', `${CM}/target`);
  assert.equal(got.status, 200);
  assert.equal((await apiRequest(server, 'DELETE', `${CM}/target`)).status, 200);
  await ready();
});

test('a JSON patch that builds depth no body had is refused; objects within the limit round-trip', async () => {
  const CR = `/apis/apps/v1/namespaces/${NS}/controllerrevisions`;
  const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'grow' }, revision: 1, data: {} };
  assert.equal((await apiRequest(server, 'POST', CR, cr)).status, 201);
  // Each op nests one level deeper inside the free-form data; the body itself is shallow.
  const patch: unknown[] = [];
  let path = '/data';
  for (let i = 0; i < 600; i++) {
    patch.push({ op: 'add', path: `${path}/a`, value: {} });
    path += '/a';
  }
  const r = await apiRequest(server, 'PATCH', `${CR}/grow`, JSON.stringify(patch), {
    headers: { 'content-type': 'application/json-patch+json' },
  });
  // 400 for the depth (422 would do too: a revision's data is immutable once created).
  assert.ok(r.status === 400 || r.status === 422, r.text.slice(0, 300));
  assert.equal((await apiRequest(server, 'GET', `${CR}/grow`)).status, 200);
  assert.equal((await apiRequest(server, 'DELETE', `${CR}/grow`)).status, 200);

  // 400 levels deep is accepted, read back, updated and deleted.
  const ok = withManagedFields('ok', nested(400));
  assert.equal((await apiRequest(server, 'POST', CM, ok)).status, 201);
  assert.equal((await apiRequest(server, 'GET', `${CM}/ok`)).status, 200);
  assert.equal((await apiRequest(server, 'PUT', `${CM}/ok`, ok)).status, 200);
  assert.equal((await apiRequest(server, 'DELETE', `${CM}/ok`)).status, 200);
  await ready();
});

test('managedFields that do not decode are ignored, as Kubernetes does', async () => {
  const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"badmf","managedFields":[{"manager":"m","operation":"Bogus","fieldsType":"FieldsV2","fieldsV1":{"zz":1}}]},"data":{"k":"v"}}`;
  const r = await apiRequest(server, 'POST', `${CM}?fieldManager=me`, body);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(
    r.json.metadata.managedFields.map((e: { manager: string; operation: string }) => [e.manager, e.operation]),
    [['me', 'Update']],
  );
  assert.equal((await apiRequest(server, 'DELETE', `${CM}/badmf`)).status, 200);
});

test('integers beyond their int32/int64 format are a 422 naming the field', async () => {
  const deployment = (replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'huge' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'huge' } },
      template: { metadata: { labels: { app: 'huge' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });
  const r = await apiRequest(server, 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(2 ** 40));
  assertStatus(r, 422, 'Invalid', /spec\.replicas: Invalid value: 1099511627776/);
  assert.equal(r.json.details.causes[0].field, 'spec.replicas');
  assert.equal(
    (await apiRequest(server, 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(1))).status,
    201,
  );
  const scale = await apiRequest(
    server,
    'PATCH',
    `/apis/apps/v1/namespaces/${NS}/deployments/huge/scale`,
    { spec: { replicas: 2 ** 40 } },
    { headers: { 'content-type': 'application/merge-patch+json' } },
  );
  assertStatus(scale, 422, 'Invalid', /spec\.replicas/);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { activeDeadlineSeconds: 2 ** 64, containers: [{ name: 'c', image: 'busybox' }] },
  };
  assertStatus(
    await apiRequest(server, 'POST', `/api/v1/namespaces/${NS}/pods`, pod),
    422,
    'Invalid',
    /activeDeadlineSeconds/,
  );
  await ready();
});

test('list parameters are checked as kube-apiserver checks them', async () => {
  for (const q of ['limit=1e21', 'limit=abc', 'limit=9223372036854775808']) {
    assertStatus(await apiRequest(server, 'GET', `${CM}?${q}`), 400, 'BadRequest', /limit/);
  }
  assert.equal((await apiRequest(server, 'GET', `${CM}?limit=-1`)).status, 200, 'a negative limit means no limit');
  const bogus = await apiRequest(server, 'GET', `${CM}?resourceVersion=1&resourceVersionMatch=bogus`);
  assertStatus(
    bogus,
    422,
    'Invalid',
    /^ListOptions\.meta\.k8s\.io "" is invalid: resourceVersionMatch: Unsupported value: "bogus": supported values: "Exact", "NotOlderThan", ""$/,
  );
  assertStatus(
    await apiRequest(server, 'GET', `${CM}?resourceVersionMatch=NotOlderThan`),
    422,
    'Invalid',
    /resourceVersionMatch is forbidden unless resourceVersion is provided/,
  );
  assertStatus(
    await apiRequest(server, 'GET', `${CM}?resourceVersion=0&resourceVersionMatch=Exact`),
    422,
    'Invalid',
    /forbidden for resourceVersion "0"/,
  );
  assertStatus(
    await apiRequest(server, 'GET', `${CM}?watch=true&resourceVersionMatch=Exact&resourceVersion=1`),
    422,
    'Invalid',
    /resourceVersionMatch/,
  );
});

test('resourceVersionMatch=Exact lists the state at that revision, never the current one', async () => {
  const first = await apiRequest(server, 'POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'v1' } });
  assert.equal(first.status, 201);
  const rv = first.json.metadata.resourceVersion;
  assert.equal(
    (await apiRequest(server, 'POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'v2' } })).status,
    201,
  );
  const exact = await apiRequest(server, 'GET', `${CM}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
  assert.equal(exact.status, 200, exact.text);
  assert.equal(exact.json.metadata.resourceVersion, rv);
  const names = exact.json.items.map((i: { metadata: { name: string } }) => i.metadata.name);
  assert.ok(names.includes('v1') && !names.includes('v2'), names.join(','));
  const current = await apiRequest(server, 'GET', CM);
  assert.ok(current.json.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'v2'));
  // A revision the server has not reached: 504 Too large resource version.
  const future = await apiRequest(server, 'GET', `${CM}?resourceVersion=99999999&resourceVersionMatch=Exact`);
  assertStatus(future, 504, 'Timeout', /Too large resource version/);
});

test('a 1 MB invalid label value gives a short 422 that still names the field', async () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', labels: { a: 'a'.repeat(1 << 20) } } };
  const r = await apiRequest(server, 'POST', CM, body);
  assertStatus(r, 422, 'Invalid', /metadata\.labels: Invalid value: "a+"\.\.\. \(truncated from 1048576 characters\)/);
  assert.ok(r.text.length < 4096, `reply of ${r.text.length} bytes`);
  assert.equal(r.json.details.causes[0].field, 'metadata.labels');
  assert.equal((await apiRequest(server, 'GET', `${CM}/big`)).status, 404);
  await ready();
});

/** Opens a TLS connection, writes `head` and part of a body, and reports what came back and when it closed. */
function slowRequest(head: string, partialBody: string): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false }, () => {
      socket.write(head + partialBody);
    });
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ response, closedAfterMs: Date.now() - started }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after 10 s; got: ${response.slice(0, 200)}`));
    }, 10_000).unref();
  });
}

test('a slow body is cut after the request read timeout, and a 401 closes the connection at once', async () => {
  const head = (token: string) =>
    `POST ${CM} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;
  const unauth = await slowRequest(head('wrong'), '{"apiVersion":');
  assert.match(unauth.response, /^HTTP\/1\.1 401/);
  assert.ok(unauth.closedAfterMs < 1500, `closed after ${unauth.closedAfterMs} ms`);
  const slow = await slowRequest(head(server.token), '{"apiVersion":');
  assert.match(slow.response, /^HTTP\/1\.1 408/);
  assert.ok(slow.closedAfterMs >= 1500 && slow.closedAfterMs < 6000, `closed after ${slow.closedAfterMs} ms`);
  await ready();
});

test('a watch outlives the request read timeout', async () => {
  const events: string[] = [];
  const { request } = await import('node:https');
  const done = new Promise<void>((resolve, reject) => {
    const req = request(
      `${server.url}${CM}?watch=true&timeoutSeconds=4`,
      { headers: { authorization: `Bearer ${server.token}` }, ca: server.caPem },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => events.push(d));
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  await new Promise((r) => setTimeout(r, 3000));
  const created = await apiRequest(server, 'POST', CM, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'late' },
  });
  assert.equal(created.status, 201);
  await done;
  assert.ok(events.join('').includes('"name":"late"'), 'the event after 3 s arrived');
});

test('a watcher that does not read is ended once 16 MiB wait for it; a reading one gets every event', async () => {
  const { request } = await import('node:https');
  const watch = (paused: boolean) => {
    const w = { lines: 0, ended: false, done: Promise.resolve() };
    w.done = new Promise<void>((resolve) => {
      const req = request(
        `${server.url}${CM}?watch=true&fieldSelector=metadata.name=blob&timeoutSeconds=120`,
        { headers: { authorization: `Bearer ${server.token}` }, ca: server.caPem },
        (res) => {
          let tail = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            tail += d;
            for (let nl = tail.indexOf('\n'); nl >= 0; nl = tail.indexOf('\n')) {
              w.lines++;
              tail = tail.slice(nl + 1);
            }
          });
          res.on('end', () => {
            w.ended = true;
            resolve();
          });
          res.on('error', () => resolve());
          if (paused) res.pause();
          (w as { res?: typeof res }).res = res;
        },
      );
      req.on('error', () => resolve());
      req.end();
    });
    return w as typeof w & { res?: import('node:http').IncomingMessage };
  };
  const slow = watch(true);
  const fast = watch(false);
  await new Promise((r) => setTimeout(r, 500));
  const UPDATES = 30;
  for (let i = 0; i < UPDATES; i++) {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'blob' },
      data: { v: String.fromCharCode(97 + (i % 26)).repeat(900 * 1024) },
    };
    const r =
      i === 0
        ? await apiRequest(server, 'POST', CM, body, { timeoutMs: 60_000 })
        : await apiRequest(server, 'PUT', `${CM}/blob`, body, { timeoutMs: 60_000 });
    assert.ok(r.status === 201 || r.status === 200, r.text.slice(0, 200));
  }
  // The reading watcher saw all of them.
  for (let i = 0; i < 100 && fast.lines < UPDATES; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(fast.lines, UPDATES);
  // The one that never read was ended by the server: reading now gives what was in flight, then the end.
  slow.res?.resume();
  await slow.done;
  assert.equal(slow.ended, true);
  assert.ok(slow.lines < UPDATES, `the slow watcher got ${slow.lines} of ${UPDATES} events`);
  fast.res?.destroy();
  assert.equal((await apiRequest(server, 'DELETE', `${CM}/blob`)).status, 200);
  await ready();
});
