/**
 * Property/fuzz tests of bad input over HTTPS against a real `flotilla server` (SQLite):
 * truncated and byte-flipped JSON/YAML manifests, wrong kind/apiVersion, unknown fields with
 * fieldValidation=Strict, random invalid names, random label selectors, bodies over 3 MiB and
 * unsupported media types. Properties: every failure is a Kubernetes Status whose code is the HTTP
 * status and one of the expected codes (never a 5xx); every 201 is stored whole; nothing else is
 * stored (list counts match the acknowledged creates); the server stays healthy.
 *
 * Seeded PRNG: FUZZ_SEED=<n> reproduces a run (the seed is printed in failure messages).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { apiRequest, fixture, type ApiResponse } from './helpers/e2e.js';
import { seededRandom } from '../src/testing/seeded-random.js';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../src/api/object.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20251128);
let server: TestServer;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const NS = 'fuzz';

before(async () => {
  // The API server alone: controllers and the scheduler would (rightly) change stored objects.
  server = await startTestServer({ extraArgs: ['--disable-controllers', '--disable-scheduler'] });
  const r = await apiRequest(server, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  assert.equal(r.status, 201, r.text);
  // Without the controllers nobody makes the namespace's `default` ServiceAccount, which pods need.
  const sa = await apiRequest(server, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default' },
  });
  assert.equal(sa.status, 201, sa.text);
});
after(async () => {
  agent.destroy();
  await server?.stop();
});

const req = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiRequest(server, method, path, body, { headers, agent });

/** Asserts `r` is a Kubernetes failure Status with HTTP code in `codes`. */
function assertStatus(r: ApiResponse, codes: number[], context: string): void {
  assert.ok(
    codes.includes(r.status),
    `${context}: HTTP ${r.status} not in ${codes.join(',')} (seed ${SEED})\n${r.text.slice(0, 500)}`,
  );
  assert.equal(r.json?.kind, 'Status', `${context}: not a Status: ${r.text.slice(0, 300)}`);
  assert.equal(r.json.apiVersion, 'v1');
  assert.equal(r.json.status, 'Failure');
  assert.equal(r.json.code, r.status, `${context}: Status.code`);
  assert.equal(typeof r.json.message, 'string');
  assert.ok(r.json.message.length > 0, `${context}: empty message`);
  assert.equal(typeof r.json.reason, 'string', `${context}: reason`);
}

async function count(resource: string): Promise<number> {
  const path = resource.includes('/')
    ? `/apis/${resource.split('|')[0]}/namespaces/${NS}/${resource.split('|')[1]}`
    : `/api/v1/namespaces/${NS}/${resource}`;
  const r = await req('GET', path);
  assert.equal(r.status, 200, r.text);
  return r.json.items.length;
}

async function healthy(): Promise<void> {
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await req('GET', p);
    assert.equal(r.status, 200, `${p}: ${r.text}`);
  }
}

/**
 * Runs `fn` over `items` with at most `n` in flight. On the first failure no new item starts; it
 * waits for those in flight (so no request leaks into the next test), then throws that failure.
 */
async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const results = await Promise.allSettled(
    Array.from({ length: n }, async () => {
      while (!failed && next < items.length) {
        const i = next++;
        try {
          await fn(items[i], i);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

interface Target {
  kind: string;
  collection: string;
  /** A valid manifest for this collection. */
  doc: KubeObject;
}

const targets: Target[] = [
  { kind: 'ConfigMap', collection: `/api/v1/namespaces/${NS}/configmaps`, doc: YAML.parse(fixture('configmap.yaml')) },
  { kind: 'Pod', collection: `/api/v1/namespaces/${NS}/pods`, doc: YAML.parse(fixture('pod.yaml')) },
  { kind: 'Service', collection: `/api/v1/namespaces/${NS}/services`, doc: YAML.parse(fixture('service.yaml')) },
  {
    kind: 'Deployment',
    collection: `/apis/apps/v1/namespaces/${NS}/deployments`,
    doc: YAML.parse(fixture('deployment.yaml')),
  },
];

function mutate(text: string, rnd: () => number): string {
  const bytes = Buffer.from(text);
  const op = Math.floor(rnd() * 4);
  const pos = Math.floor(rnd() * bytes.length);
  switch (op) {
    case 0: // truncate
      return bytes.subarray(0, pos).toString('latin1');
    case 1: {
      // flip 1-4 bytes
      const out = Buffer.from(bytes);
      const n = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
      return out.toString('latin1');
    }
    case 2: {
      // insert structural noise
      const noise = [
        '{',
        '}',
        '[',
        ']',
        ':',
        ',',
        '"',
        '\n',
        '\t',
        '- ',
        ': :',
        '\u0000',
        '&a',
        '*a',
        '!!binary',
        '---\n',
        '\\u12',
      ][Math.floor(rnd() * 17)];
      return text.slice(0, pos) + noise + text.slice(pos);
    }
    default: {
      // delete a span
      const len = 1 + Math.floor(rnd() * 20);
      return text.slice(0, pos) + text.slice(pos + len);
    }
  }
}

test('fuzz: truncated, byte-flipped and noisy JSON/YAML manifests never crash the server or store half an object', async () => {
  const rnd = seededRandom(SEED);
  const before = await Promise.all(
    targets.map((t) =>
      count(t.collection.includes('/apis/') ? `apps/v1|deployments` : (t.collection.split('/').at(-1) ?? '')),
    ),
  );
  const created = new Map<string, ApiResponse>();
  const statuses = new Map<number, number>();
  const problems: string[] = [];
  const cases: { target: Target; body: Buffer; contentType: string; i: number }[] = [];
  for (let i = 0; i < 320; i++) {
    const target = targets[i % targets.length];
    const doc = structuredClone(target.doc);
    doc.metadata.name = `fz-${i}`;
    const asYaml = rnd() < 0.5;
    const text = asYaml ? YAML.stringify(doc) : JSON.stringify(doc);
    cases.push({
      target,
      body: Buffer.from(mutate(text, rnd), 'latin1'),
      contentType: asYaml ? 'application/yaml' : 'application/json',
      i,
    });
  }
  await pool(cases, 8, async ({ target, body, contentType, i }) => {
    const r = await req('POST', target.collection, body, { 'content-type': contentType });
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    if (r.status === 201 && r.json?.kind === target.kind) {
      created.set(`${r.json.kind}/${r.json.metadata.name}`, r);
      return;
    }
    try {
      assertStatus(
        r,
        [400, 404, 409, 422],
        `case ${i} ${contentType} ${JSON.stringify(body.toString('latin1').slice(0, 200))}`,
      );
    } catch (err) {
      problems.push((err as Error).message.split('\n').slice(0, 2).join(' | '));
    }
  });
  assert.ok((statuses.get(400) ?? 0) > 50, `most mutations are malformed: ${JSON.stringify([...statuses])}`);

  // Every acknowledged create is stored whole (GET equals the 201 body); nothing else was stored.
  for (const [key, r] of created) {
    const t = targets.find((x) => x.kind === r.json.kind) ?? assert.fail(`no target of kind ${r.json.kind}`);
    const got = await req('GET', `${t.collection}/${encodeURIComponent(r.json.metadata.name)}`);
    if (got.status !== 200) problems.push(`${key} acknowledged but GET says ${got.status}`);
    else if (!isDeepStrictEqual(got.json, r.json))
      problems.push(
        `${key}: stored object differs from the 201 body: ${JSON.stringify(got.json)} vs ${JSON.stringify(r.json)}`,
      );
  }
  const afterCounts = await Promise.all(
    targets.map((t) =>
      count(t.collection.includes('/apis/') ? `apps/v1|deployments` : (t.collection.split('/').at(-1) ?? '')),
    ),
  );
  const createdPerKind = targets.map((t) => [...created.values()].filter((r) => r.json.kind === t.kind).length);
  const expected = before.map((b, i) => b + createdPerKind[i]);
  if (JSON.stringify(afterCounts) !== JSON.stringify(expected)) {
    problems.push(
      `stored objects per kind ${JSON.stringify(afterCounts)} != before + acknowledged creates ${JSON.stringify(expected)} (${targets.map((t) => t.kind).join(',')})`,
    );
  }
  await healthy();
  assert.deepEqual(problems, [], `seed ${SEED}, HTTP statuses ${JSON.stringify([...statuses])}`);
});

test('wrong kind or apiVersion for the URL: 400 and nothing stored', async () => {
  const before = await count('configmaps');
  const bodies: [unknown, string][] = [
    [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wk1' } }, 'does not match the expected kind'],
    [{ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'wk2' } }, 'apps/v1'],
    [{ apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'wk3' } }, 'v2'],
    [{ apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'wk4' } }, 'Deployment'],
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wk5', namespace: 'other' } }, 'namespace'],
    [[1, 2, 3], ''],
    ['"just a string"', ''],
    ['null', ''],
    ['', ''],
  ];
  for (const [body, message] of bodies) {
    const r = await req(
      'POST',
      `/api/v1/namespaces/${NS}/configmaps`,
      typeof body === 'string' ? body : JSON.stringify(body),
      { 'content-type': 'application/json' },
    );
    assertStatus(r, [400], JSON.stringify(body));
    assert.ok(r.json.message.includes(message), `${JSON.stringify(body)}: ${r.json.message}`);
  }
  // The same on update (PUT) of an existing object.
  assert.equal(
    (
      await req('POST', `/api/v1/namespaces/${NS}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'wk-put' },
      })
    ).status,
    201,
  );
  const put = await req('PUT', `/api/v1/namespaces/${NS}/configmaps/wk-put`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'wk-put' },
  });
  assertStatus(put, [400], 'PUT with the wrong kind');
  const renamed = await req('PUT', `/api/v1/namespaces/${NS}/configmaps/wk-put`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'other-name' },
  });
  assertStatus(renamed, [400], 'PUT with a different name');
  assert.equal(await count('configmaps'), before + 1);
  await healthy();
});

/** A ConfigMap manifest that takes extra fields, at the top and in metadata. */
type ConfigMapDoc = Record<string, unknown> & { metadata: Record<string, unknown> };

test('unknown and duplicate fields: Strict is 400 naming the field, Warn is 201 with a Warning header, Ignore is silent', async () => {
  const before = await count('configmaps');
  const rnd = seededRandom(SEED + 1);
  const paths: [string, (d: ConfigMapDoc, f: string) => void, string][] = [
    [
      'top',
      (d, f) => {
        d[f] = 1;
      },
      '',
    ],
    [
      'metadata',
      (d, f) => {
        d.metadata[f] = 'x';
      },
      'metadata.',
    ],
  ];
  for (let i = 0; i < 20; i++) {
    const field = `zz${Math.floor(rnd() * 1e6).toString(36)}`;
    const [, set, prefix] = paths[i % paths.length];
    const doc: ConfigMapDoc = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `strict-${i}` },
      data: { a: 'b' },
    };
    set(doc, field);
    const strict = await req('POST', `/api/v1/namespaces/${NS}/configmaps?fieldValidation=Strict`, doc);
    assertStatus(strict, [400], `strict ${field}`);
    assert.equal(strict.json.reason, 'BadRequest');
    assert.ok(strict.json.message.includes(`unknown field "${prefix}${field}"`), strict.json.message);
  }
  // Nested unknown field in a deployment's container.
  const dep = YAML.parse(fixture('deployment.yaml'));
  dep.metadata.name = 'strict-dep';
  dep.spec.template.spec.containers[0].imagee = 'typo';
  const nested = await req('POST', `/apis/apps/v1/namespaces/${NS}/deployments?fieldValidation=Strict`, dep);
  assertStatus(nested, [400], 'nested unknown field');
  assert.ok(
    nested.json.message.includes('unknown field "spec.template.spec.containers[0].imagee"'),
    nested.json.message,
  );
  // Duplicate keys in JSON.
  const dup = await req(
    'POST',
    `/api/v1/namespaces/${NS}/configmaps?fieldValidation=Strict`,
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"b":"2"}}',
    { 'content-type': 'application/json' },
  );
  assertStatus(dup, [400], 'duplicate field');
  assert.ok(dup.json.message.includes('duplicate field "data"'), dup.json.message);
  assert.equal(await count('configmaps'), before, 'nothing stored under Strict');

  const warn = await req('POST', `/api/v1/namespaces/${NS}/configmaps?fieldValidation=Warn`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'warned' },
    bogus: 1,
  });
  assert.equal(warn.status, 201, warn.text);
  assert.match(String(warn.headers.warning), /^299 - "unknown field \\"bogus\\""$/);
  assert.equal(warn.json.bogus, undefined, 'the unknown field is dropped, as Go decoding does');
  assert.equal(
    (await req('GET', `/api/v1/namespaces/${NS}/configmaps/warned`)).json.bogus,
    undefined,
    'and not stored',
  );
  const ignore = await req('POST', `/api/v1/namespaces/${NS}/configmaps?fieldValidation=Ignore`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ignored' },
    bogus: 1,
  });
  assert.equal(ignore.status, 201, ignore.text);
  assert.equal(ignore.headers.warning, undefined);
  assert.equal(ignore.json.bogus, undefined, 'dropped under Ignore too');
  const badMode = await req('POST', `/api/v1/namespaces/${NS}/configmaps?fieldValidation=Sometimes`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'badmode' },
  });
  assertStatus(badMode, [400], 'invalid fieldValidation');
  assert.equal(await count('configmaps'), before + 2);
});

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

test('random names: valid DNS-1123 subdomains are created, all others are 422 on metadata.name', async () => {
  const rnd = seededRandom(SEED + 2);
  const alphabet = 'abcxyz019-._ABZ /:%ä\u00e9';
  const names: string[] = [];
  for (let i = 0; i < 120; i++) {
    const len = rnd() < 0.05 ? 250 + Math.floor(rnd() * 10) : 1 + Math.floor(rnd() * 12);
    let n = '';
    for (let j = 0; j < len; j++) n += alphabet[Math.floor(rnd() * alphabet.length)];
    names.push(n);
  }
  names.push('', '.', '..', '-a', 'a-', 'a..b', 'A', 'a_b', 'a'.repeat(253), 'a'.repeat(254));
  const unique = [...new Set(names)];
  const before = await count('configmaps');
  let valid = 0;
  await pool(unique, 8, async (name) => {
    const r = await req('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { n: name },
    });
    const ok = name.length <= 253 && DNS1123_SUBDOMAIN.test(name) && name !== '';
    if (ok) {
      assert.equal(r.status, 201, `${JSON.stringify(name)} is valid: ${r.text}`);
      valid++;
      return;
    }
    if (name === '') {
      assertStatus(r, [422], 'empty name');
      assert.equal(r.json.details?.causes?.[0]?.field, 'metadata.name');
      assert.equal(r.json.details.causes[0].reason, 'FieldValueRequired');
      return;
    }
    assertStatus(r, [422], `name ${JSON.stringify(name)}`);
    assert.equal(r.json.reason, 'Invalid');
    assert.equal(r.json.details?.kind, 'ConfigMap');
    assert.ok(
      (r.json as Status).details?.causes?.some((c) => c.field === 'metadata.name'),
      `${JSON.stringify(name)}: ${r.text}`,
    );
  });
  assert.ok(valid > 5 && valid < unique.length - 20, `a mix of valid (${valid}) and invalid names`);
  assert.equal(await count('configmaps'), before + valid);
  await healthy();
});

test('random label and field selectors: 200 List or 400 Status, known-bad ones are 400', async () => {
  const rnd = seededRandom(SEED + 3);
  const parts = [
    'a',
    'b',
    'app',
    'x.y/z',
    '=',
    '==',
    '!=',
    ',',
    ' in ',
    ' notin ',
    '(',
    ')',
    '!',
    ' ',
    'v1',
    '-',
    '~',
    '%',
    '""',
    'in',
    'ä',
  ];
  const statuses = new Map<number, number>();
  const selectors: string[] = [];
  for (let i = 0; i < 150; i++) {
    let s = '';
    const len = 1 + Math.floor(rnd() * 6);
    for (let j = 0; j < len; j++) s += parts[Math.floor(rnd() * parts.length)];
    selectors.push(s);
  }
  await pool(selectors, 8, async (s) => {
    for (const param of ['labelSelector', 'fieldSelector']) {
      const r = await req('GET', `/api/v1/namespaces/${NS}/configmaps?${param}=${encodeURIComponent(s)}`);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) assert.equal(r.json.kind, 'ConfigMapList', `${param}=${s}`);
      else assertStatus(r, [400], `${param}=${JSON.stringify(s)}`);
    }
  });
  assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0, JSON.stringify([...statuses]));
  for (const bad of [
    'a=(b',
    'a in (b',
    '!a=b',
    'a==b==c',
    'a notin',
    'x/y/z=1',
    `${'k'.repeat(64)}=v`,
    `a=${'v'.repeat(64)}`,
  ]) {
    assertStatus(
      await req('GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=${encodeURIComponent(bad)}`),
      [400],
      `labelSelector=${bad}`,
    );
  }
  for (const bad of ['data.a=1', 'metadata.name', 'spec.nodeName=x', 'metadata.uid=1']) {
    const r = await req('GET', `/api/v1/namespaces/${NS}/configmaps?fieldSelector=${encodeURIComponent(bad)}`);
    assertStatus(r, [400], `fieldSelector=${bad}`);
  }
  // Also on watch requests.
  assertStatus(
    await req('GET', `/api/v1/namespaces/${NS}/configmaps?watch=true&labelSelector=${encodeURIComponent('a=(b')}`),
    [400],
    'watch with a bad selector',
  );
  await healthy();
});

test('bodies over 3 MiB are 413 (with and without content-length), just under is accepted', async () => {
  const before = await count('configmaps');
  const big = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big' },
    data: { x: 'a'.repeat(3 * 1024 * 1024 + 10) },
  });
  let r: ApiResponse;
  try {
    r = await req('POST', `/api/v1/namespaces/${NS}/configmaps`, big, { 'content-type': 'application/json' });
  } catch (err) {
    assert.fail(`the server reset the connection instead of answering 413: ${(err as Error).message}`);
  }
  assertStatus(r, [413], 'big JSON');
  assert.equal(r.json.reason, 'RequestEntityTooLarge');
  // Chunked, without content-length: the limit applies while streaming.
  const chunked = await new Promise<ApiResponse>((resolve, reject) => {
    import('node:https').then(({ request }) => {
      const rq = request(
        `${server.url}/api/v1/namespaces/${NS}/configmaps`,
        {
          method: 'POST',
          ca: server.caPem,
          agent: false,
          headers: {
            authorization: `Bearer ${server.token}`,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (c) => (text += c))
            .on('end', () => {
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
      rq.on('error', reject);
      const buf = Buffer.from(big);
      for (let off = 0; off < buf.length; off += 64 * 1024) rq.write(buf.subarray(off, off + 64 * 1024));
      rq.end();
    }, reject);
  });
  assertStatus(chunked, [413], 'big chunked JSON');
  // YAML and patches too.
  const bigPatch = await req('PATCH', `/api/v1/namespaces/${NS}/configmaps/whatever`, big, {
    'content-type': 'application/merge-patch+json',
  });
  assertStatus(bigPatch, [413], 'big patch');
  // 1 MiB of data is fine (Kubernetes stores objects up to ~1.5 MiB).
  const ok = await req('POST', `/api/v1/namespaces/${NS}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'one-mib' },
    data: { x: 'a'.repeat(1024 * 1024) },
  });
  assert.equal(ok.status, 201, ok.text.slice(0, 300));
  assert.equal(await count('configmaps'), before + 1);
  await healthy();
});

test('unsupported media types are 415 on create, update and patch; nothing stored', async () => {
  const before = await count('configmaps');
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'media' } });
  for (const type of [
    'text/plain',
    'application/xml',
    'image/png',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    'application/apply-patch+yaml',
  ]) {
    const r = await req('POST', `/api/v1/namespaces/${NS}/configmaps`, body, { 'content-type': type });
    assertStatus(r, [415], `POST ${type}`);
    assert.equal(r.json.reason, 'UnsupportedMediaType');
  }
  assert.equal(
    (await req('POST', `/api/v1/namespaces/${NS}/configmaps`, body, { 'content-type': 'application/json' })).status,
    201,
  );
  for (const type of ['text/plain', 'application/xml']) {
    assertStatus(
      await req('PUT', `/api/v1/namespaces/${NS}/configmaps/media`, body, { 'content-type': type }),
      [415],
      `PUT ${type}`,
    );
  }
  for (const type of ['application/json', 'text/plain', 'application/yaml', 'application/xml']) {
    const r = await req('PATCH', `/api/v1/namespaces/${NS}/configmaps/media`, '{"data":{"a":"b"}}', {
      'content-type': type,
    });
    assertStatus(r, [415], `PATCH ${type}`);
  }
  // Bad patch bodies of the right types: 400 (or 422 for a JSON patch that cannot apply).
  const badPatches: [string, string][] = [
    ['application/merge-patch+json', '{'],
    ['application/strategic-merge-patch+json', '{"data":'],
    ['application/json-patch+json', '{"op":"add"}'],
    ['application/json-patch+json', '[{"op":"frobnicate","path":"/data/a"}]'],
    ['application/apply-patch+yaml', 'metadata: [unclosed'],
  ];
  for (const [type, patch] of badPatches) {
    const r = await req('PATCH', `/api/v1/namespaces/${NS}/configmaps/media?fieldManager=fuzz`, patch, {
      'content-type': type,
    });
    assertStatus(r, [400, 422], `PATCH ${type} ${patch}`);
  }
  const media = await req('GET', `/api/v1/namespaces/${NS}/configmaps/media`);
  assert.equal(media.json.data, undefined, 'no bad patch was applied');
  assert.equal(await count('configmaps'), before + 1);
  await healthy();
});
