import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthResponse, type HealthCheck } from './health-checks.js';

const ok: HealthCheck = { name: 'ping', check: () => undefined };
const bad: HealthCheck = { name: 'watch-cache', check: () => 'not loaded' };

test('all passing: 200 ok, or the listing with ?verbose', () => {
  assert.deepEqual(healthResponse('readyz', '', new URLSearchParams(), [ok]), { code: 200, body: 'ok' });
  assert.deepEqual(healthResponse('readyz', '', new URLSearchParams('verbose'), [ok]), {
    code: 200,
    body: '[+]ping ok\nreadyz check passed\n',
  });
});

test('a failing check: 500 with the listing, reason withheld; exclude skips it', () => {
  assert.deepEqual(healthResponse('healthz', '', new URLSearchParams(), [ok, bad]), {
    code: 500,
    body: '[+]ping ok\n[-]watch-cache failed: reason withheld\nhealthz check failed\n',
  });
  assert.deepEqual(healthResponse('healthz', '', new URLSearchParams('exclude=watch-cache'), [ok, bad]), {
    code: 200,
    body: 'ok',
  });
});

test('a single check by sub-path; unknown names are 404', () => {
  assert.deepEqual(healthResponse('readyz', 'ping', new URLSearchParams(), [ok, bad]), { code: 200, body: 'ok' });
  assert.equal(healthResponse('readyz', 'watch-cache', new URLSearchParams(), [ok, bad]).code, 500);
  assert.equal(healthResponse('readyz', 'etcd', new URLSearchParams(), [ok]).code, 404);
});
