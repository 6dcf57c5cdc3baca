import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  AgentCallerAuth,
  agentRequestAttributes,
  type AgentCaller,
  type AgentRequestAttributes,
} from './caller-auth.js';

test('paths map to node subresources as the kubelet maps them', () => {
  const sub = (method: string, path: string) => {
    const a = agentRequestAttributes(method, path, 'n1');
    return `${a.verb} ${a.resource}/${a.subresource} ${a.name}`;
  };
  assert.equal(sub('GET', '/stats/summary'), 'get nodes/stats n1');
  assert.equal(sub('GET', '/stats'), 'get nodes/stats n1');
  assert.equal(sub('GET', '/metrics'), 'get nodes/metrics n1');
  assert.equal(sub('GET', '/metrics/resource'), 'get nodes/metrics n1');
  assert.equal(sub('GET', '/logs/syslog'), 'get nodes/log n1');
  assert.equal(sub('GET', '/containerLogs/default/web/c'), 'get nodes/proxy n1');
  assert.equal(sub('POST', '/exec/default/web/c'), 'create nodes/proxy n1');
  assert.equal(sub('GET', '/statsx'), 'get nodes/proxy n1');
  assert.equal(sub('POST', '/checkpoint/default/web/c'), 'create nodes/checkpoint n1');
});

function request(url: string, authorization?: string): IncomingMessage {
  return {
    url,
    method: 'GET',
    headers: authorization ? { authorization } : {},
    socket: new Socket(),
  } as IncomingMessage;
}

function setup(allowed: (u: AgentCaller, a: AgentRequestAttributes) => boolean) {
  let now = 0;
  const calls = { token: 0, sar: 0 };
  const auth = new AgentCallerAuth({
    now: () => now,
    reviews: {
      async tokenReview(token) {
        calls.token++;
        return token === 'good' ? { name: 'system:serviceaccount:monitoring:prometheus', groups: [] } : undefined;
      },
      async subjectAccessReview(u, a) {
        calls.sar++;
        return allowed(u, a);
      },
    },
  });
  return { auth, calls, advance: (ms: number) => (now += ms) };
}

test('no credentials: 401; a token the TokenReview refuses: 401', async () => {
  const { auth } = setup(() => true);
  assert.deepEqual(await auth.check(request('/stats/summary'), 'n1'), {
    ok: false,
    code: 401,
    message: 'Unauthorized',
  });
  assert.deepEqual(await auth.check(request('/stats/summary', 'Bearer bad'), 'n1'), {
    ok: false,
    code: 401,
    message: 'Unauthorized',
  });
});

test('a bearer caller is authorized per subresource, with the kubelet 403 text', async () => {
  const { auth } = setup((_u, a) => a.subresource === 'metrics');
  assert.equal((await auth.check(request('/metrics', 'Bearer good'), 'n1')).ok, true);
  assert.deepEqual(await auth.check(request('/containerLogs/default/web/c', 'Bearer good'), 'n1'), {
    ok: false,
    code: 403,
    message:
      'Forbidden (user=system:serviceaccount:monitoring:prometheus, verb=get, resource=nodes, subresource=proxy)',
  });
});

test('answers are cached as the kubelet caches them: allowed 5 min, denied 30 s, tokens 2 min', async () => {
  let allow = false;
  const { auth, calls, advance } = setup(() => allow);
  await auth.check(request('/metrics', 'Bearer good'), 'n1');
  await auth.check(request('/metrics', 'Bearer good'), 'n1');
  assert.deepEqual(calls, { token: 1, sar: 1 });
  allow = true;
  assert.equal((await auth.check(request('/metrics', 'Bearer good'), 'n1')).ok, false, 'the denial is cached');
  advance(31_000);
  assert.equal((await auth.check(request('/metrics', 'Bearer good'), 'n1')).ok, true);
  assert.deepEqual(calls, { token: 1, sar: 2 });
  allow = false;
  advance(100_000);
  assert.equal((await auth.check(request('/metrics', 'Bearer good'), 'n1')).ok, true, 'the allow is cached');
  advance(200_000);
  assert.equal((await auth.check(request('/metrics', 'Bearer good'), 'n1')).ok, false);
  assert.equal(calls.token, 3, 'the token is reviewed again every 2 minutes');
});

test('a review that fails is a refusal and is not cached', async () => {
  let fail = true;
  const auth = new AgentCallerAuth({
    reviews: {
      tokenReview: async () => ({ name: 'u', groups: [] }),
      subjectAccessReview: async () => {
        if (fail) throw new Error('API unreachable');
        return true;
      },
    },
  });
  assert.equal((await auth.check(request('/metrics', 'Bearer t'), 'n1')).ok, false);
  fail = false;
  assert.equal((await auth.check(request('/metrics', 'Bearer t'), 'n1')).ok, true);
});
