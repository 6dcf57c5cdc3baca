// Creates prepared by write worker threads answer and store exactly what the main-thread path does;
// a dying worker fails its in-flight creates with 503 and is replaced; close() stops the workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { createApiHandler, type ApiHandler } from '../src/apiserver/api-handler.js';
import { WriteWorkerPool, spawnWriteWorker } from '../src/apiserver/write-workers/write-worker-pool.js';
import type { CreateJob } from '../src/apiserver/write-workers/protocol.js';
import { quietPeriod, until } from './helpers/wait-until.js';

const NOW = new Date('2026-03-04T05:06:07.890Z');
const ADMIN = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };

interface Api {
  url: string;
  store: MemoryStore;
  handler: ApiHandler;
  server: Server;
}

async function startApi(writeWorkers: number, serviceAccountAdmission = false): Promise<Api> {
  const store = new MemoryStore();
  const handler = await createApiHandler({ store, now: () => NOW, writeWorkers, serviceAccountAdmission });
  const server = createServer((req, res) => handler.handle(req, res, ADMIN));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, store, handler, server };
}

async function stopApi(api: Api): Promise<void> {
  await new Promise((r) => api.server.close(r));
  await api.handler.close();
  await api.store.close();
}

interface Answer {
  status: number;
  contentType: string;
  warning: string;
  body: string;
}

function send(
  api: Api,
  method: string,
  path: string,
  body: string | undefined,
  contentType = 'application/json',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'User-Agent': 'write-workers-test/1.0' };
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = request(api.url + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          warning: String(res.headers.warning ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pod = (name: string, extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' }, ...extra },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } } }],
      ...spec,
    },
  });

/** [method, path, body, content type]: every create the worker path takes, and some it must leave alone. */
const REQUESTS: [string, string, string | undefined, string?][] = [
  ['POST', '/api/v1/namespaces/default/pods', pod('plain')],
  ['POST', '/api/v1/namespaces/default/pods', pod('plain')], // 409
  [
    'POST',
    '/api/v1/namespaces/default/pods?fieldManager=tester',
    pod(
      'managed',
      { annotations: { a: 'b' } },
      {
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
        ],
      },
    ),
  ],
  ['POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('dry')],
  ['POST', '/api/v1/namespaces/default/pods', pod('invalid', {}, { containers: [{ name: 'Bad_Name' }] })], // 422 with causes
  ['POST', '/api/v1/namespaces/default/pods', pod('BadName')], // 422 on the name
  ['POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', pod('strict', {}, { bogus: 1 })], // 400 unknown field
  ['POST', '/api/v1/namespaces/default/pods', pod('warned', {}, { bogus: 1, other: { x: 1 } })], // 201 with warnings
  ['POST', '/api/v1/namespaces/default/pods?fieldValidation=Ignore', pod('ignored', {}, { bogus: 1 })],
  [
    'POST',
    '/api/v1/namespaces/default/pods?fieldValidation=Strict',
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dup","name":"dup"},"spec":{"containers":[{"name":"c","image":"x"}]}}',
  ],
  [
    'POST',
    '/api/v1/namespaces/default/pods',
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dupwarn","labels":{"a":"1","a":"2"}},"spec":{"containers":[{"name":"c","image":"x"}]}}',
  ],
  ['POST', '/api/v1/namespaces/default/pods?fieldValidation=Bogus', pod('badopt')],
  ['POST', '/api/v1/namespaces/default/pods', '{"apiVersion":"v1","kind":"Pod",'], // malformed JSON
  ['POST', '/api/v1/namespaces/default/pods', ''], // empty
  ['POST', '/api/v1/namespaces/default/pods', '[1,2]'],
  ['POST', '/api/v1/namespaces/default/pods', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k"}}'], // wrong kind
  ['POST', '/api/v1/namespaces/default/pods', '{"apiVersion":"v2","kind":"Pod","metadata":{"name":"k"}}'],
  ['POST', '/api/v1/namespaces/default/pods', pod('otherns', { namespace: 'kube-system' })], // namespace mismatch
  ['POST', '/api/v1/namespaces/missing/pods', pod('nowhere')], // 404 namespace
  ['POST', '/api/v1/namespaces/missing/pods', pod('nowhere', {}, { containers: [] })], // 404 wins over 422
  [
    'POST',
    '/api/v1/namespaces/default/pods',
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ name: 'c', image: 'x' }] } }),
  ], // no name
  [
    'POST',
    '/api/v1/namespaces/default/pods',
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'gen-' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    }),
  ],
  [
    'POST',
    '/api/v1/namespaces/default/pods',
    '{"kind":"Pod","metadata":{"name":"nokind"},"spec":{"containers":[{"name":"c","image":"x"}]}}',
  ],
  [
    'POST',
    '/api/v1/namespaces/default/pods',
    '{"metadata":{"name":"bare"},"spec":{"containers":[{"name":"c","image":"x"}],"nodeName":"n1"},"status":{"phase":"Running"}}',
  ],
  [
    'POST',
    '/api/v1/namespaces/default/pods',
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"nulls","labels":null,"annotations":{}},"spec":{"containers":[{"name":"c","image":"x","env":null}]}}',
  ],
  [
    'POST',
    '/api/v1/namespaces/default/configmaps',
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"k":"v"}}',
  ],
  [
    'POST',
    '/api/v1/namespaces/default/persistentvolumeclaims',
    '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"claim"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}',
  ],
  ['POST', '/api/v1/namespaces', '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}'],
  ['POST', '/api/v1/namespaces/team-a/pods', pod('in-team-a')], // 403: no controller makes team-a's default ServiceAccount
  [
    'POST',
    '/api/v1/namespaces/default/serviceaccounts',
    '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"quiet"},"automountServiceAccountToken":false,"imagePullSecrets":[{"name":"reg"}]}',
  ],
  ['POST', '/api/v1/namespaces/default/pods', pod('quiet-pod', {}, { serviceAccountName: 'quiet' })], // worker assumed wrong
  ['POST', '/api/v1/namespaces/default/pods', pod('ghost-pod', {}, { serviceAccountName: 'ghost' })], // 403
  [
    'POST',
    '/apis/apps/v1/namespaces/default/deployments',
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    }),
  ],
  [
    'POST',
    '/apis/apps/v1/namespaces/default/deployments',
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bad' },
      spec: {
        replicas: -1,
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'y' } }, spec: { containers: [] } },
      },
    }),
  ],
  [
    'POST',
    '/api/v1/namespaces/default/services',
    '{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"ports":[{"port":80}]}}',
  ], // main path
  [
    'POST',
    '/api/v1/namespaces/default/pods',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: yaml}\nspec: {containers: [{name: c, image: x}]}\n',
    'application/yaml',
  ], // main path
  ['POST', '/api/v1/namespaces/default/pods', pod('xml'), 'application/xml'], // 415
];

/** Responses and stored objects with what differs by nature (uids, generated names, resourceVersions) masked. */
function mask(text: string): string {
  return text
    .replace(/"uid":"[0-9a-f-]{36}"/g, '"uid":"<uid>"')
    .replace(/gen-[a-z0-9]{5}/g, 'gen-<suffix>')
    .replace(/kube-api-access-[a-z0-9]{5}/g, 'kube-api-access-<suffix>')
    .replace(/"resourceVersion":"\d+"/g, '"resourceVersion":"<rv>"')
    .replace(/"10\.43\.\d+\.\d+"/g, '"<cluster-ip>"');
}

async function run(api: Api): Promise<{ answers: string[]; stored: string[] }> {
  const answers: string[] = [];
  for (const [method, path, body, type] of REQUESTS) {
    const a = await send(api, method, path, body, type);
    answers.push(`${method} ${path} -> ${a.status} ${a.contentType} [${a.warning}] ${mask(a.body)}`);
  }
  const page = await api.store.list('/registry/', { limit: 10000 });
  const stored = page.items.map((i) => `${mask(i.key)} ${mask(Buffer.from(i.value).toString('utf8'))}`).sort();
  return { answers, stored };
}

test('creates through write workers answer and store byte for byte what the main thread does', async () => {
  let prepared = 0;
  let pool: WriteWorkerPool | undefined;
  const original = WriteWorkerPool.prototype.prepare;
  const originalReady = WriteWorkerPool.prototype.ready;
  WriteWorkerPool.prototype.prepare = function (job) {
    prepared++;
    return original.call(this, job);
  };
  WriteWorkerPool.prototype.ready = function () {
    pool = this;
    return originalReady.call(this);
  };
  try {
    const main = await startApi(0, true);
    const workers = await startApi(1, true);
    try {
      // The first create starts the worker (and is served on the main thread): the same on both.
      const warm = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warm"}}';
      await send(main, 'POST', '/api/v1/namespaces/default/configmaps', warm);
      await send(workers, 'POST', '/api/v1/namespaces/default/configmaps', warm);
      await until('the worker', () => pool?.ready() === true);
      prepared = 0;
      const a = await run(main);
      assert.equal(prepared, 0);
      const b = await run(workers);
      // Every request but the YAML, Service, 415 and bad-option ones went to the worker.
      assert.equal(prepared, REQUESTS.length - 4);
      for (let i = 0; i < a.answers.length; i++) assert.equal(b.answers[i], a.answers[i]);
      assert.deepEqual(b.stored, a.stored);
      // The set covers what it claims to.
      const statuses = a.answers.map((s) => Number(/-> (\d+)/.exec(s)?.[1]));
      for (const code of [201, 400, 403, 404, 409, 415, 422]) assert.ok(statuses.includes(code), `a ${code} answer`);
      assert.ok(
        a.answers.some((s) => s.includes('unknown field')) && a.answers.some((s) => s.includes('duplicate field')),
      );
      // ServiceAccount admission: the usual case prepared by the worker, the others by the main thread.
      const answerFor = (name: string): string =>
        b.answers[REQUESTS.findIndex(([, , body]) => body?.includes(`"name":"${name}"`))];
      assert.match(answerFor('plain'), /"mountPath":"\/var\/run\/secrets\/kubernetes.io\/serviceaccount"/);
      assert.doesNotMatch(answerFor('quiet-pod'), /kube-api-access/);
      assert.match(answerFor('quiet-pod'), /"imagePullSecrets":\[\{"name":"reg"\}\]/);
      assert.match(answerFor('ghost-pod'), /-> 403 .*serviceaccount \\"ghost\\" not found/);
    } finally {
      await stopApi(main);
      await stopApi(workers);
    }
  } finally {
    WriteWorkerPool.prototype.prepare = original;
    WriteWorkerPool.prototype.ready = originalReady;
  }
});

test('the watch cache serves worker-created objects with their labels and fields', async () => {
  const api = await startApi(1);
  try {
    const created = await send(
      api,
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('listed', {}, { nodeName: 'node-1' }),
    );
    assert.equal(created.status, 201);
    const rv = JSON.parse(created.body).metadata.resourceVersion as string;
    assert.match(rv, /^\d+$/);
    const bySelectors = await send(
      api,
      'GET',
      '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dnode-1',
      undefined,
    );
    const items = JSON.parse(bySelectors.body).items as { metadata: { name: string; resourceVersion: string } }[];
    assert.deepEqual(
      items.map((i) => [i.metadata.name, i.metadata.resourceVersion]),
      [['listed', rv]],
    );
    const got = await send(api, 'GET', '/api/v1/namespaces/default/pods/listed', undefined);
    assert.deepEqual(JSON.parse(got.body), JSON.parse(created.body));
  } finally {
    await stopApi(api);
  }
});

const job = (name: string): Omit<CreateJob, 'id'> => ({
  body: new TextEncoder().encode(pod(name)),
  contentType: 'application/json',
  group: '',
  version: 'v1',
  resource: 'pods',
  namespace: 'default',
  name: '',
  opts: { dryRun: false, fieldManager: 'm', fieldValidation: 'Strict' },
  nowMs: NOW.getTime(),
});
const CONFIG = { defaultTolerationSeconds: { notReady: 5, unreachable: 5 } };

test('a worker that dies fails its in-flight creates with 503 and is replaced; close stops the workers', async () => {
  const spawned: Worker[] = [];
  const crashes: unknown[] = [];
  // The first worker takes jobs and never answers (so they are surely in flight when it dies); its replacement is a real one.
  const silent = () =>
    new Worker(
      "const { parentPort } = require('node:worker_threads'); parentPort.postMessage('ready'); parentPort.on('message', () => parentPort.postMessage('ready'));",
      { eval: true },
    );
  const pool = new WriteWorkerPool({
    size: 1,
    config: CONFIG,
    respawnDelayMs: 10,
    onCrash: (e) => crashes.push(e),
    spawn: (c) => {
      const w = spawned.length === 0 ? silent() : spawnWriteWorker(c);
      spawned.push(w);
      return w;
    },
  });
  assert.equal(spawned.length, 0, 'workers start on demand');
  await until('the worker', () => pool.ready());
  const received = new Promise((r) => spawned[0].once('message', r));
  const inFlight = [pool.prepare(job('b')), pool.prepare(job('c'))];
  await received; // the batch reached the worker
  spawned[0].ref(); // its exit must keep this test's loop alive
  await spawned[0].terminate();
  for (const p of inFlight)
    await assert.rejects(
      p,
      (e: { code?: number; reason?: string }) => e.code === 503 && e.reason === 'ServiceUnavailable',
    );
  assert.equal(crashes.length, 1);
  await until('a new worker', () => pool.threadIds.length === 1 && pool.ready());
  assert.equal(spawned.length, 2);
  const after = await pool.prepare(job('d'));
  assert.equal(after.kind, 'prepared');
  const exited = new Promise((r) => spawned[1].once('exit', r));
  await pool.close();
  await exited;
  assert.equal(pool.ready(), false);
  await assert.rejects(pool.prepare(job('e')), (e: { code?: number }) => e.code === 503);
});

test('workers that keep dying are given up (creates take the main-thread path)', async () => {
  let starts = 0;
  const pool = new WriteWorkerPool({
    size: 1,
    config: CONFIG,
    respawnDelayMs: 1,
    spawn: () => {
      starts++;
      return new Worker(
        "const { parentPort } = require('node:worker_threads'); parentPort.postMessage('ready'); parentPort.on('message', () => process.exit(3));",
        { eval: true },
      );
    },
  });
  for (let i = 1; i <= 3; i++) {
    await until(`worker ${i}`, () => pool.ready());
    await assert.rejects(pool.prepare(job(`x${i}`)), (e: { code?: number }) => e.code === 503);
  }
  await quietPeriod(50, 'no fourth worker after the restart limit');
  assert.equal(pool.ready(), false);
  assert.equal(starts, 3);
  await pool.close();
});

test('an idle worker is stopped and started again by the next create', async () => {
  // A restarted worker is stopped again once idle this long: long enough that a loaded machine's
  // poll sees it ready in between.
  const pool = new WriteWorkerPool({ size: 1, config: CONFIG, idleStopMs: 1000 });
  await until('the worker', () => pool.ready());
  assert.equal((await pool.prepare(job('before'))).kind, 'prepared');
  const first = pool.threadIds[0];
  await until('the idle stop', () => pool.threadIds.length === 0);
  assert.equal(pool.ready(), false); // starts it again
  await until('the restarted worker', () => pool.ready());
  assert.notEqual(pool.threadIds[0], first);
  assert.equal((await pool.prepare(job('after'))).kind, 'prepared');
  await pool.close();
});
