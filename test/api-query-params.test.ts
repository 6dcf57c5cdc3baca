/**
 * Query parameters as Kubernetes' parameter codec reads them, through the real REST handler: any
 * boolean value but 0/false is true (the Python client's `watch=True`), integers that do not parse
 * are a 400 naming the parameter.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './helpers/api-client.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
  const r = await api.request('POST', '/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'qp' },
    data: { a: '1' },
  });
  assert.equal(r.status, 201);
});
after(async () => {
  await api.close();
});

/** The first line a GET streams, and its content type; the request is aborted after it. */
async function firstLine(path: string): Promise<{ type: string | null; line: string }> {
  const ac = new AbortController();
  const r = await fetch(api.url + path, { signal: ac.signal });
  const reader = (r.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  ac.abort();
  return { type: r.headers.get('content-type'), line: text.split('\n')[0] ?? '' };
}

test('watch=True, watch=1 and a bare watch start a watch; watch=False and watch=0 list', async () => {
  for (const q of ['watch=True', 'watch=1', 'watch', 'watch=TRUE']) {
    const { line } = await firstLine(`/api/v1/namespaces/default/configmaps?${q}&fieldSelector=metadata.name%3Dqp`);
    const ev = JSON.parse(line);
    assert.equal(ev.type, 'ADDED', q);
    assert.equal(ev.object.metadata.name, 'qp', q);
  }
  for (const q of ['watch=False', 'watch=0', 'watch=false']) {
    const r = await api.request('GET', `/api/v1/namespaces/default/configmaps?${q}`);
    assert.equal(r.status, 200, q);
    assert.equal(r.json.kind, 'ConfigMapList', q);
  }
});

test('integer parameters that do not parse are a BadRequest naming the parameter', async () => {
  const list = await api.request('GET', '/api/v1/namespaces/default/configmaps?limit=ten');
  assert.equal(list.status, 400);
  assert.equal(list.json.reason, 'BadRequest');
  assert.match(list.json.message, /^limit: Invalid value: "ten": must be an integer/);
  const watch = await api.request('GET', '/api/v1/namespaces/default/configmaps?watch=True&timeoutSeconds=1.5');
  assert.equal(watch.status, 400);
  assert.match(watch.json.message, /^timeoutSeconds: /);
  const del = await api.request('DELETE', '/api/v1/namespaces/default/configmaps/qp?gracePeriodSeconds=soon');
  assert.equal(del.status, 400);
  assert.match(del.json.message, /^gracePeriodSeconds: /);
  const ok = await api.request('GET', '/api/v1/namespaces/default/configmaps?limit=%2B1');
  assert.equal(ok.status, 200);
  assert.equal(ok.json.items.length, 1);
});

test('pods/log options are checked before the pod is looked up, as Kubernetes validates them', async () => {
  const bad = await api.request('GET', '/api/v1/namespaces/default/pods/none/log?tailLines=-1');
  assert.equal(bad.status, 422);
  assert.equal(bad.json.reason, 'Invalid');
  assert.match(bad.json.message, /^PodLogOptions "none" is invalid: tailLines: Invalid value: -1/);
  const missing = await api.request('GET', '/api/v1/namespaces/default/pods/none/log?follow=True&tailLines=1');
  assert.equal(missing.status, 404);
  // A log is text: a client that accepts only text/plain is answered (here: the pod's 404), not refused with 406.
  const textOnly = await api.request('GET', '/api/v1/namespaces/default/pods/none/log', undefined, {
    accept: 'text/plain',
  });
  assert.equal(textOnly.status, 404);
});
