import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable } from './route-table.js';

const table = new RouteTable([
  { pattern: '/', serve: 'root' },
  { pattern: '/api', serve: 'api' },
  { pattern: '/api/v1', serve: 'core' },
  { pattern: '/apis/:group', serve: 'group' },
  { pattern: '/apis/:group/:version', serve: 'groupVersion' },
  { pattern: '/openapi/v3', serve: 'v3index' },
  { pattern: '/openapi/v3/*path', serve: 'v3doc' },
]);

test('literal, parameter and rest segments, in table order', () => {
  assert.deepEqual(table.match('/api'), { serve: 'api', params: {} });
  assert.deepEqual(table.match('/api/v1'), { serve: 'core', params: {} });
  assert.deepEqual(table.match('/apis/apps'), { serve: 'group', params: { group: 'apps' } });
  assert.deepEqual(table.match('/apis/apps/v1'), { serve: 'groupVersion', params: { group: 'apps', version: 'v1' } });
  assert.deepEqual(table.match('/openapi/v3'), { serve: 'v3index', params: {} });
  assert.deepEqual(table.match('/openapi/v3/apis/apps/v1'), { serve: 'v3doc', params: { path: 'apis/apps/v1' } });
});

test('trailing slashes are ignored; empty segments and unknown paths do not match', () => {
  assert.equal(table.match('/api/')?.serve, 'api');
  assert.equal(table.match('/apis/apps//')?.serve, 'group');
  assert.equal(table.match('/')?.serve, 'root');
  assert.equal(table.match('')?.serve, 'root');
  assert.equal(table.match('/apis//v1'), undefined);
  assert.equal(table.match('/api/v2'), undefined);
  assert.equal(table.match('/apis/a/b/c'), undefined);
  assert.equal(table.match('/nope'), undefined);
});

test('a rest segment must be last', () => {
  assert.throws(() => new RouteTable([{ pattern: '/a/*rest/b', serve: 1 }]));
});
