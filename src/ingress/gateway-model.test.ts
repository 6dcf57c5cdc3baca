import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Gateway, HTTPRoute } from '../api/gateway/types.js';
import { entryTerms } from './gateway-config.js';
import { parseGatewayDuration, serverWeights, type GatewayInputs } from './gateway-model.js';
import { renderConfig } from './haproxy-config.js';
import { buildModel } from './ingress-model.js';
import { assignSlots, slotCount } from './server-slots.js';

const svc = (name: string): Service => ({
  metadata: { namespace: 'app', name },
  spec: { ports: [{ name: 'http', port: 8080 }] },
});
const slice = (service: string, ips: string[]): EndpointSlice => ({
  metadata: { namespace: 'app', name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080 }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});
const GW: Gateway = {
  metadata: { namespace: 'app', name: 'gw' },
  spec: {
    gatewayClassName: 'flotilla',
    listeners: [
      { name: 'web', port: 80, protocol: 'HTTP' },
      { name: 'alt', port: 8081, protocol: 'HTTP', hostname: '*.example.com' },
    ],
  },
};
const route = (name: string, spec: HTTPRoute['spec'], created = '2026-01-01T00:00:00Z'): HTTPRoute => ({
  metadata: { namespace: 'app', name, creationTimestamp: created },
  spec: { parentRefs: [{ name: 'gw' }], ...spec },
});
const gwInputs = (routes: HTTPRoute[]): GatewayInputs => ({
  gatewayClasses: [{ metadata: { name: 'flotilla' }, spec: { controllerName: 'flotilla.dev/gateway-controller' } }],
  gateways: [GW],
  httpRoutes: routes,
  grpcRoutes: [],
  grants: [],
  namespaces: [{ metadata: { name: 'app' } }],
});
const model = (routes: HTTPRoute[]) =>
  buildModel({
    ingresses: [],
    classes: [],
    services: [svc('v1'), svc('v2')],
    slices: [slice('v1', ['10.42.0.11', '10.42.0.12']), slice('v2', ['10.42.0.21'])],
    secrets: [],
    gateway: gwInputs(routes),
  });

test('durations and server weights', () => {
  assert.equal(parseGatewayDuration('1m30s'), 90_000);
  assert.equal(parseGatewayDuration('250ms'), 250);
  assert.equal(parseGatewayDuration('1x'), undefined);
  // 90/10 over 2 and 1 endpoints: per-server 45 and 10, scaled to 256.
  assert.deepEqual(
    serverWeights([
      { weight: 90, endpoints: 2 },
      { weight: 10, endpoints: 1 },
    ]),
    [256, 57],
  );
  assert.deepEqual(
    serverWeights([
      { weight: 1, endpoints: 1 },
      { weight: 0, endpoints: 3 },
    ]),
    [256, 0],
  );
});

test('matching precedence: exact host, Exact path, longest prefix, method, headers, query, then age', () => {
  const m = model([
    route(
      'old',
      {
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'v1', port: 8080 }] }],
      },
      '2025-01-01T00:00:00Z',
    ),
    route('new', {
      hostnames: ['a.example.com'],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/api/' } }], backendRefs: [{ name: 'v2', port: 8080 }] },
        { matches: [{ path: { type: 'Exact', value: '/api' } }], backendRefs: [{ name: 'v2', port: 8080 }] },
        {
          matches: [
            { path: { type: 'PathPrefix', value: '/api' }, method: 'POST' },
            {
              path: { type: 'PathPrefix', value: '/api' },
              headers: [{ name: 'x-canary', value: 'yes' }],
              queryParams: [{ name: 'v', value: '2' }],
            },
            { path: { type: 'RegularExpression', value: '/re/[0-9]+' } },
          ],
          backendRefs: [{ name: 'v2', port: 8080 }],
        },
      ],
    }),
  ]);
  const f80 = m.gateway?.frontends.find((f) => f.port === 80);
  assert.ok(f80);
  assert.deepEqual(
    f80.entries.map(
      (e) =>
        `${e.host}|${e.path.type}:${e.path.value}|${e.method ?? ''}|${e.headers.length}|${e.query.length}|${e.rule}`,
    ),
    [
      'a.example.com|Exact:/api||0|0|80_app_new_r1',
      'a.example.com|PathPrefix:/api|POST|0|0|80_app_new_r2',
      'a.example.com|PathPrefix:/api||1|1|80_app_new_r2',
      'a.example.com|PathPrefix:/api||0|0|80_app_new_r0',
      'a.example.com|RegularExpression:/re/[0-9]+||0|0|80_app_new_r2',
      '|PathPrefix:/||0|0|80_app_old_r0',
    ],
  );
  // On the wildcard listener only the hostnames inside *.example.com attach.
  const f8081 = m.gateway?.frontends.find((f) => f.port === 8081);
  assert.deepEqual([...new Set(f8081?.entries.map((e) => e.host))], ['a.example.com', '*.example.com']);
  assert.deepEqual(entryTerms(f80.entries[2]), [
    [
      `{ path -m str "/api" }`,
      '{ var(txn.host) -m str "a.example.com" }',
      '{ req.fhdr(x-canary) -m str "yes" }',
      '{ url_param(v) -m str "2" }',
    ],
    [
      `{ path -m beg "/api/" }`,
      '{ var(txn.host) -m str "a.example.com" }',
      '{ req.fhdr(x-canary) -m str "yes" }',
      '{ url_param(v) -m str "2" }',
    ],
  ]);
});

test('weighted backends, filters, redirect and timeouts render into haproxy.cfg', () => {
  const m = model([
    route('split', {
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/split' } }],
          backendRefs: [
            { name: 'v1', port: 8080, weight: 90 },
            { name: 'v2', port: 8080, weight: 10 },
          ],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-env', value: 'canary 100%' }], remove: ['x-drop'] },
            },
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'flotilla' }] },
            },
            { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
          ],
          timeouts: { request: '10s', backendRequest: '2s' },
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
          filters: [
            {
              type: 'RequestRedirect',
              requestRedirect: {
                scheme: 'https',
                hostname: 'new.example',
                path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' },
                statusCode: 301,
              },
            },
          ],
        },
        { matches: [{ path: { type: 'Exact', value: '/gone' } }], backendRefs: [{ name: 'missing', port: 80 }] },
      ],
    }),
  ]);
  const b = m.backends.get('gw_app_split_r0');
  assert.deepEqual(
    b?.endpoints.map((e) => `${e.ip}@${e.weight}`),
    ['10.42.0.11@256', '10.42.0.12@256', '10.42.0.21@57'],
  );
  const slots = new Map(
    [...m.backends.values()].map((x) => [x.name, assignSlots(undefined, x.endpoints, slotCount(x.endpoints.length))]),
  );
  const cfg = renderConfig(m, slots, { httpPort: 80, httpsPort: 443, metricsPort: 0, dir: '/run/x' });
  const lines = cfg.split('\n');
  const has = (l: string) => assert.ok(lines.includes(l), `missing: ${l}\n${cfg}`);
  const R0 = '{ var(txn.gwr) -m str 80_app_split_r0 }';
  has(
    `  http-request set-var(txn.gwr) str(80_app_split_r0) if !{ var(txn.gwr) -m found } !{ ssl_fc } { path -m str "/split" } || !{ var(txn.gwr) -m found } !{ ssl_fc } { path -m beg "/split/" }`,
  );
  has(`  http-request set-header x-env "canary 100%%" if ${R0}`);
  has(`  http-request del-header x-drop if ${R0}`);
  has(`  http-request set-var(txn.gwp) path,regsub(^/split,) if ${R0}`);
  has(`  http-request set-path %[var(txn.gwp)] if ${R0}`);
  has(`  http-response add-header x-served-by "flotilla" if ${R0}`);
  has(`  use_backend gw_app_split_r0 if ${R0}`);
  has(
    `  http-request redirect location "https://new.example%[var(txn.gwp)]%[url,regsub(^[^?]*,)]" code 301 if { var(txn.gwr) -m str 80_app_split_r1 }`,
  );
  has('  http-request return status 500 if { var(txn.gwr) -m str 80_app_split_r2 }');
  has('  timeout server 2000ms');
  has('  server s1 10.42.0.11:8080 weight 256');
  has('  server s3 10.42.0.21:8080 weight 57');
  // The listener on 8081 has its own frontend; its unmatched requests get 404.
  has('frontend gateway-8081');
  // Gateway routes come before the Ingress rules and default of the shared port-80 frontend.
  assert.ok(cfg.indexOf('use_backend gw_app_split_r0') < cfg.indexOf('default_backend flotilla-default-404'));
});
