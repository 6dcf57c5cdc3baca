import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

test('parses namespaced, cluster-scoped, subresource and watch requests', () => {
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/web/status')), ['get', '', 'v1', 'ns', 'pods', 'web', 'status']);
  assert.deepEqual(pick(parseRequestInfo('GET', '/apis/apps/v1/deployments?limit=500')), ['list', 'apps', 'v1', '', 'deployments', '', '']);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/ns/pods?watch=true')), ['watch', '', 'v1', 'ns', 'pods', '', '']);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/watch/namespaces/ns/pods/p')), ['watch', '', 'v1', 'ns', 'pods', 'p', '']);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/kube-system')), ['get', '', 'v1', '', 'namespaces', 'kube-system', '']);
  assert.deepEqual(pick(parseRequestInfo('PUT', '/api/v1/namespaces/x/finalize')), ['update', '', 'v1', '', 'namespaces', 'x', 'finalize']);
  assert.deepEqual(pick(parseRequestInfo('DELETE', '/api/v1/namespaces/ns/configmaps')), ['deletecollection', '', 'v1', 'ns', 'configmaps', '', '']);
  assert.deepEqual(pick(parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/p/log')), ['connect', '', 'v1', 'ns', 'pods', 'p', 'log']);
  assert.deepEqual(pick(parseRequestInfo('PATCH', '/apis/apps/v1/namespaces/ns/deployments/d/scale')), ['patch', 'apps', 'v1', 'ns', 'deployments', 'd', 'scale']);
});

test('non-resource paths', () => {
  for (const p of ['/api', '/apis', '/apis/apps', '/api/v1', '/apis/apps/v1', '/openapi/v3', '/version']) {
    assert.equal(parseRequestInfo('GET', p).isResource, false, p);
  }
});

function pick(r: ReturnType<typeof parseRequestInfo>) {
  assert.ok(r.isResource);
  return [r.verb, r.group, r.version, r.namespace, r.resource, r.name, r.subresource];
}
