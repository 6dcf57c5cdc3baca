/**
 * The Gateway API standard channel served from start through the CRD machinery, seen by the real
 * kubectl: `get gateway,httproute`, `explain httproute.spec`, the built-in GatewayClass `flotilla`,
 * schema defaults, and the upstream CEL rules refusing invalid objects with their messages.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({
    readyTimeoutMs: 60_000,
    extraArgs: ['--disable-controllers', '--disable-scheduler'],
  });
});
after(async () => {
  await server?.stop();
});

test('the standard-channel CRDs are established at start and kubectl lists and explains them', async () => {
  const crds = ok(await server.kubectl(['get', 'crd', '-o', 'name']));
  for (const p of ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants'])
    assert.match(crds, new RegExp(`${p}\\.gateway\\.networking\\.k8s\\.io`));
  await eventually(
    async () => (await server.kubectl(['get', 'gateway,httproute', '-A'])).code === 0,
    'gateway,httproute served',
  );
  const gc = ok(await server.kubectl(['get', 'gatewayclass', 'flotilla']));
  assert.match(gc, /flotilla\s+flotilla\.dev\/gateway-controller/);
  const explain = ok(await server.kubectl(['explain', 'httproute.spec']));
  assert.match(explain, /KIND:\s+HTTPRoute/);
  assert.match(explain, /parentRefs/);
  assert.match(explain, /hostnames/);
  const rules = ok(await server.kubectl(['explain', 'httproute.spec.rules.backendRefs.weight']));
  assert.match(rules, /integer/);
});

test('defaults of the schema and the upstream CEL rules apply to Gateways and HTTPRoutes', async () => {
  ok(
    await server.kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: flotilla
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: web, port: 8080}]
`,
    }),
  );
  const gw = JSON.parse(ok(await server.kubectl(['get', 'gateway', 'gw', '-o', 'json'])));
  assert.deepEqual(gw.spec.listeners[0].allowedRoutes, { namespaces: { from: 'Same' } });
  const r = JSON.parse(ok(await server.kubectl(['get', 'httproute', 'r', '-o', 'json'])));
  assert.deepEqual(r.spec.parentRefs[0], { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' });
  assert.deepEqual(r.spec.rules[0].matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
  assert.deepEqual(r.spec.rules[0].backendRefs[0], { group: '', kind: 'Service', name: 'web', port: 8080, weight: 1 });

  const badGw = await server.kubectl(['apply', '-f', '-'], {
    stdin: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bad, namespace: default}
spec:
  gatewayClassName: flotilla
  listeners:
  - {name: a, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: x}]}}
  - {name: b, port: 80, protocol: HTTP}
`,
  });
  assert.notEqual(badGw.code, 0);
  assert.match(badGw.stderr, /tls must not be specified for protocols \['HTTP', 'TCP', 'UDP'\]/);
  assert.match(badGw.stderr, /Combination of port, protocol and hostname must be unique for each listener/);

  const badRoute = await server.kubectl(['apply', '-f', '-'], {
    stdin: `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: Exact, value: "a//b"}}]
    filters:
    - {type: RequestRedirect, requestRedirect: {statusCode: 301}}
    backendRefs: [{name: web}]
`,
  });
  assert.notEqual(badRoute.code, 0);
  assert.match(badRoute.stderr, /value must be an absolute path and start with '\/'/);
  assert.match(badRoute.stderr, /RequestRedirect filter must not be used together with backendRefs/);
  assert.match(badRoute.stderr, /Must have port for Service reference/);
});
