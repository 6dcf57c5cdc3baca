import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { renderConfig, renderCrtList, NOT_FOUND_BACKEND } from './haproxy-config.js';
import { buildModel } from './ingress-model.js';

const FLOTILLA: IngressClass = {
  metadata: { name: 'flotilla', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'flotilla.dev/ingress' },
};
const INGRESS: Ingress = {
  metadata: { namespace: 'ns', name: 'web' },
  spec: {
    rules: [
      {
        host: 'foo.com',
        http: {
          paths: [
            { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } },
            { path: '/x', pathType: 'Exact', backend: { service: { name: 'api', port: { number: 80 } } } },
            { path: '/bad path', pathType: 'Exact', backend: { service: { name: 'api', port: { number: 80 } } } },
          ],
        },
      },
      {
        host: '*.foo.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'w', port: { number: 80 } } } }] },
      },
    ],
  },
};
const O = { httpPort: 8080, httpsPort: 8443, metricsPort: 9000, dir: '/run/x', bindAddress: '10.0.0.1' };

test('rules become ordered use_backend lines; a host falls back to the default; unsafe paths left out', () => {
  const model = buildModel({ ingresses: [INGRESS], classes: [FLOTILLA], services: [], slices: [], secrets: [] });
  const cfg = renderConfig(model, new Map([['ns_web_api_80', ['10.42.0.5:8080', undefined]]]), O);
  const rules = cfg.split('\n').filter((l) => l.trim().startsWith('use_backend') || l.includes('default_backend'));
  assert.deepEqual(rules, [
    "  use_backend ns_web_api_80 if { var(txn.host) -m str foo.com } { path -m str '/api' } || { var(txn.host) -m str foo.com } { path -m beg '/api/' }",
    "  use_backend ns_web_api_80 if { var(txn.host) -m str foo.com } { path -m str '/x' }",
    `  use_backend ${NOT_FOUND_BACKEND} if { var(txn.host) -m str foo.com }`,
    "  use_backend ns_web_w_80 if { var(txn.host) -m reg '^[^.]+\\.foo\\.com$' }",
    `  use_backend ${NOT_FOUND_BACKEND} if { var(txn.host) -m reg '^[^.]+\\.foo\\.com$' }`,
    `  default_backend ${NOT_FOUND_BACKEND}`,
  ]);
  assert.match(cfg, /bind 10\.0\.0\.1:8080\n {2}bind 10\.0\.0\.1:8443 ssl crt-list \/run\/x\/crt-list\.txt/);
  assert.match(
    cfg,
    /backend ns_web_api_80\n {2}balance roundrobin\n {2}server s1 10\.42\.0\.5:8080\n {2}server s2 127\.0\.0\.1:1 disabled\n/,
  );
  assert.match(cfg, /bind 10\.0\.0\.1:9000\n {2}http-request use-service prometheus-exporter/);
  // The structure key has no addresses: only the slot count.
  const a = renderConfig(model, new Map([['ns_web_api_80', ['10.42.0.5:8080', undefined]]]), O, false);
  const b = renderConfig(model, new Map([['ns_web_api_80', [undefined, '10.42.0.6:80']]]), O, false);
  assert.equal(a, b);
  assert.notEqual(a, renderConfig(model, new Map([['ns_web_api_80', [undefined]]]), O, false));
});

test('crt-list: the default certificate first, then each Ingress certificate with its SNI names', () => {
  const model = { hosts: [], backends: new Map(), certs: [{ name: 'ns_c', pem: '', hosts: ['a.com', '*.b.com'] }] };
  assert.equal(renderCrtList(model, '/run/x'), '/run/x/certs/default.pem\n/run/x/certs/ns_c.pem a.com *.b.com\n');
});
