import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import { ServiceAccountTokens } from './service-account-tokens.js';

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [] } };
const HOUR = 3600_000;

/** A TokenRequest API on a fake clock: each answer is token-<n>, valid for the asked seconds (or `lifetime`). */
function api(clock: { now: number }, lifetime?: number) {
  const requests: TokenRequest[] = [];
  let failing: Error | undefined;
  const tokens = new ServiceAccountTokens({
    now: () => clock.now,
    random: () => 0,
    request: async (_ns, _sa, req) => {
      requests.push(req);
      if (failing) throw failing;
      const seconds = lifetime ?? req.spec.expirationSeconds ?? 3600;
      return {
        ...req,
        spec: { ...req.spec, expirationSeconds: seconds },
        status: {
          token: `token-${requests.length}`,
          expirationTimestamp: new Date(clock.now + seconds * 1000).toISOString(),
        },
      };
    },
  });
  return { tokens, requests, fail: (e: Error | undefined) => void (failing = e) };
}

test('a token is reused until 80 % of its life has passed, then renewed', async () => {
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const { tokens, requests } = api(clock);
  const projection = { path: 'token', expirationSeconds: 3600 };
  assert.equal(await tokens.get(pod, projection), 'token-1');
  assert.equal(tokens.refreshDueInMs('u1'), 0.8 * HOUR);
  clock.now += 0.8 * HOUR - 1;
  assert.equal(await tokens.get(pod, projection), 'token-1');
  clock.now += 1;
  assert.equal(await tokens.get(pod, projection), 'token-2');
  assert.equal(requests.length, 2);
  assert.deepEqual(requests[0].spec, {
    audiences: [],
    expirationSeconds: 3600,
    boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u1' },
  });
  // Another audience is another token.
  assert.equal(await tokens.get(pod, { path: 'vault', audience: 'vault', expirationSeconds: 3600 }), 'token-3');
  assert.deepEqual(requests[2].spec.audiences, ['vault']);
  assert.equal(requests[0].spec.boundObjectRef?.uid, 'u1');
});

test('a long-lived token is renewed after 24 h', async () => {
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const { tokens } = api(clock, 365 * 24 * 3600);
  const projection = { path: 'token', expirationSeconds: 3607 };
  assert.equal(await tokens.get(pod, projection), 'token-1');
  assert.equal(tokens.refreshDueInMs('u1'), 24 * HOUR);
  clock.now += 24 * HOUR;
  assert.equal(await tokens.get(pod, projection), 'token-2');
});

test('a failed renewal keeps the old token while it is valid; without one the error is the kubelet’s', async () => {
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const { tokens, fail, requests } = api(clock);
  const projection = { path: 'token', expirationSeconds: 600 };
  fail(new Error('serviceaccounts "default" not found'));
  await assert.rejects(tokens.get(pod, projection), {
    message: 'failed to fetch token: serviceaccounts "default" not found',
  });
  fail(undefined);
  assert.equal(await tokens.get(pod, projection), 'token-2');
  fail(new Error('connection refused'));
  clock.now += 500_000;
  assert.equal(await tokens.get(pod, projection), 'token-2', 'renewal failed, the token is still valid');
  assert.equal(tokens.refreshDueInMs('u1'), 10_000, 'the next try in 10 s, not at once');
  assert.equal(await tokens.get(pod, projection), 'token-2');
  assert.equal(requests.length, 3, 'no new request before the retry time');
  clock.now += 100_000;
  await assert.rejects(tokens.get(pod, projection), /token expired and refresh failed: connection refused/);
  tokens.forget('u1');
  assert.equal(tokens.refreshDueInMs('u1'), undefined);
});
