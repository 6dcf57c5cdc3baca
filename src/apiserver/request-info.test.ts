import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

test('parses namespaced, cluster-scoped, subresource and watch requests', () => {
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/web/status')), [
    'get',
    '',
    'v1',
    'ns',
    'pods',
    'web',
    'status',
  ]);
  assert.deepEqual(pick(parseRequestInfo('GET', '/apis/apps/v1/deployments?limit=500')), [
    'list',
    'apps',
    'v1',
    '',
    'deployments',
    '',
    '',
  ]);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/ns/pods?watch=true')), [
    'watch',
    '',
    'v1',
    'ns',
    'pods',
    '',
    '',
  ]);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/watch/namespaces/ns/pods/p')), [
    'watch',
    '',
    'v1',
    'ns',
    'pods',
    'p',
    '',
  ]);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/kube-system')), [
    'get',
    '',
    'v1',
    '',
    'namespaces',
    'kube-system',
    '',
  ]);
  assert.deepEqual(pick(parseRequestInfo('PUT', '/api/v1/namespaces/x/finalize')), [
    'update',
    '',
    'v1',
    '',
    'namespaces',
    'x',
    'finalize',
  ]);
  assert.deepEqual(pick(parseRequestInfo('DELETE', '/api/v1/namespaces/ns/configmaps')), [
    'deletecollection',
    '',
    'v1',
    'ns',
    'configmaps',
    '',
    '',
  ]);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/p/log')), [
    'connect',
    '',
    'v1',
    'ns',
    'pods',
    'p',
    'log',
  ]);
  assert.deepEqual(pick(parseRequestInfo('PATCH', '/apis/apps/v1/namespaces/ns/deployments/d/scale')), [
    'patch',
    'apps',
    'v1',
    'ns',
    'deployments',
    'd',
    'scale',
  ]);
});

test('watch is any value but 0 and false, as Kubernetes converts booleans (the Python client sends True)', () => {
  const verb = (qs: string) => {
    const r = parseRequestInfo('GET', `/api/v1/namespaces/ns/pods?${qs}`);
    assert.ok(r.isResource);
    return r.verb;
  };
  for (const qs of ['watch=true', 'watch=True', 'watch=1', 'watch=TRUE', 'watch']) assert.equal(verb(qs), 'watch', qs);
  for (const qs of ['watch=false', 'watch=False', 'watch=0', 'limit=1']) assert.equal(verb(qs), 'list', qs);
});

test('non-resource paths', () => {
  for (const p of ['/api', '/apis', '/apis/apps', '/api/v1', '/apis/apps/v1', '/openapi/v3', '/version']) {
    assert.equal(parseRequestInfo('GET', p).isResource, false, p);
  }
});

test('query, escapes and other request-target forms', () => {
  const r = parseRequestInfo('GET', '/api/v1/namespaces/ns/pods?labelSelector=app%3Dweb%2Ctier+in+(a)&limit=5');
  assert.ok(r.isResource);
  assert.equal(r.query.get('labelSelector'), 'app=web,tier in (a)');
  assert.equal(r.query.get('limit'), '5');
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/n%2Ds/configmaps/a%3Ab')), [
    'get',
    '',
    'v1',
    'n-s',
    'configmaps',
    'a:b',
    '',
  ]);
  assert.deepEqual(pick(parseRequestInfo('GET', 'https://127.0.0.1:6443/api/v1/nodes?watch=1')), [
    'watch',
    '',
    'v1',
    '',
    'nodes',
    '',
    '',
  ]);
  const bad = parseRequestInfo('GET', '/api/v1/namespaces/%zz/pods');
  assert.equal(bad.isResource, false, 'a malformed escape is no resource, not a throw');
});

function pick(r: ReturnType<typeof parseRequestInfo>) {
  assert.ok(r.isResource);
  return [r.verb, r.group, r.version, r.namespace, r.resource, r.name, r.subresource];
}
