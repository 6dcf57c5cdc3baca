import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, IngressRule } from 'kubernetes-types/networking/v1.js';
import { ingressServedBy } from '../api/kinds/ingress-class.js';
import {
  buildModel,
  hostMatches,
  pathMatches,
  routeRequest,
  sliceEndpoints,
  type ModelInputs,
} from './ingress-model.js';

const FLOTILLA: IngressClass = {
  metadata: { name: 'flotilla', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'flotilla.dev/ingress' },
};
const NGINX: IngressClass = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };

function ing(
  name: string,
  rules: IngressRule[],
  extra: Partial<NonNullable<Ingress['spec']>> = {},
  created = '2026-01-01T00:00:00Z',
): Ingress {
  return { metadata: { namespace: 'ns', name, creationTimestamp: created }, spec: { rules, ...extra } };
}
const rule = (host: string | undefined, paths: [string, string, string, number | string][]): IngressRule => ({
  ...(host ? { host } : {}),
  http: {
    paths: paths.map(([path, pathType, svc, port]) => ({
      path,
      pathType,
      backend: { service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } } },
    })),
  },
});
const svc = (name: string, ports: { name?: string; port: number }[]): Service => ({
  metadata: { namespace: 'ns', name },
  spec: { ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) },
});
const slice = (svcName: string, ips: string[], port: number, portName = '', ready = true): EndpointSlice => ({
  addressType: 'IPv4',
  metadata: { namespace: 'ns', name: `${svcName}-${portName}-x`, labels: { 'kubernetes.io/service-name': svcName } },
  ports: [{ name: portName, port, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready } })),
});
const inputs = (over: Partial<ModelInputs>): ModelInputs => ({
  ingresses: [],
  classes: [FLOTILLA],
  services: [],
  slices: [],
  secrets: [],
  ...over,
});

test('class selection: own class by name or legacy annotation, no class only when the default is ours', () => {
  const mk = (cls?: string, anno?: string): Ingress => ({
    metadata: { name: 'x', ...(anno ? { annotations: { 'kubernetes.io/ingress.class': anno } } : {}) },
    spec: cls ? { ingressClassName: cls } : {},
  });
  assert.equal(ingressServedBy(mk('flotilla'), [FLOTILLA, NGINX]), true);
  assert.equal(ingressServedBy(mk('nginx'), [FLOTILLA, NGINX]), false);
  assert.equal(ingressServedBy(mk('missing'), [FLOTILLA]), false);
  assert.equal(ingressServedBy(mk(undefined, 'flotilla'), [FLOTILLA]), true);
  assert.equal(ingressServedBy(mk(), [FLOTILLA, NGINX]), true);
  assert.equal(ingressServedBy(mk(), [{ ...FLOTILLA, metadata: { name: 'flotilla' } }]), false);
  const nginxDefault = { ...NGINX, metadata: { name: 'nginx', annotations: FLOTILLA.metadata?.annotations } };
  assert.equal(ingressServedBy(mk(), [FLOTILLA, nginxDefault]), false);
});

test('Kubernetes path semantics: Exact whole path, Prefix by path elements, trailing slash ignored', () => {
  assert.equal(pathMatches({ match: 'Exact', path: '/foo' }, '/foo'), true);
  assert.equal(pathMatches({ match: 'Exact', path: '/foo' }, '/foo/'), false);
  assert.equal(pathMatches({ match: 'Prefix', path: '/' }, '/anything'), true);
  assert.equal(pathMatches({ match: 'Prefix', path: '/aaa/bb' }, '/aaa/bb'), true);
  assert.equal(pathMatches({ match: 'Prefix', path: '/aaa/bb' }, '/aaa/bb/'), true);
  assert.equal(pathMatches({ match: 'Prefix', path: '/aaa/bb' }, '/aaa/bb/ccc'), true);
  assert.equal(pathMatches({ match: 'Prefix', path: '/aaa/bb' }, '/aaa/bbb'), false);
  assert.equal(pathMatches({ match: 'Prefix', path: '/aaa/bb' }, '/aaa'), false);
  assert.equal(hostMatches('*.foo.com', 'bar.foo.com'), true);
  assert.equal(hostMatches('*.foo.com', 'baz.bar.foo.com'), false);
  assert.equal(hostMatches('*.foo.com', 'foo.com'), false);
  assert.equal(hostMatches('', 'x'), true);
});

test('routing: exact host before wildcard before any host; longest path first; Exact beats Prefix; default backend', () => {
  const m = buildModel(
    inputs({
      ingresses: [
        ing(
          'a',
          [
            rule('foo.com', [
              ['/', 'Prefix', 'root', 80],
              ['/api/', 'Prefix', 'api', 80],
              ['/api', 'Exact', 'exact', 80],
              ['/any', 'ImplementationSpecific', 'impl', 80],
            ]),
            rule('*.foo.com', [['/', 'Prefix', 'wild', 80]]),
            rule(undefined, [['/x', 'Prefix', 'nohost', 80]]),
          ],
          { defaultBackend: { service: { name: 'def', port: { number: 80 } } } },
        ),
      ],
    }),
  );
  assert.deepEqual(
    m.hosts.map((h) => h.host),
    ['foo.com', '*.foo.com', ''],
  );
  const r = (host: string, path: string) => m.backends.get(routeRequest(m, host, path))?.service ?? '404';
  assert.equal(r('foo.com', '/'), 'root');
  assert.equal(r('FOO.com:8080', '/api'), 'exact');
  assert.equal(r('foo.com', '/api/'), 'api');
  assert.equal(r('foo.com', '/api/v1'), 'api');
  assert.equal(r('foo.com', '/apix'), 'root');
  assert.equal(r('foo.com', '/any/thing'), 'impl');
  assert.equal(r('a.foo.com', '/x'), 'wild');
  assert.equal(r('a.b.foo.com', '/x'), 'nohost');
  assert.equal(r('other', '/x/y'), 'nohost');
  assert.equal(r('other', '/y'), 'def');
});

test("a host without a matching path gets the default backend (404 without one), not another host's rules", () => {
  const m = buildModel(
    inputs({
      ingresses: [
        ing('a', [rule('foo.com', [['/only', 'Exact', 'x', 80]]), rule(undefined, [['/', 'Prefix', 'y', 80]])]),
      ],
    }),
  );
  assert.equal(routeRequest(m, 'foo.com', '/other'), '');
  assert.equal(m.backends.get(routeRequest(m, 'bar.com', '/other'))?.service, 'y');
});

test('several Ingresses merge; the older one keeps a contested path and gives the default backend', () => {
  const m = buildModel(
    inputs({
      ingresses: [
        ing(
          'young',
          [rule('h', [['/p', 'Prefix', 'young', 80]])],
          { defaultBackend: { service: { name: 'dy', port: { number: 80 } } } },
          '2026-02-01T00:00:00Z',
        ),
        ing(
          'old',
          [rule('h', [['/p/', 'Prefix', 'old', 80]])],
          { defaultBackend: { service: { name: 'do', port: { number: 80 } } } },
          '2026-01-01T00:00:00Z',
        ),
        {
          ...ing('other-class', [rule('h', [['/q', 'Prefix', 'q', 80]])]),
          spec: { ingressClassName: 'nginx', rules: [rule('h', [['/q', 'Prefix', 'q', 80]])] },
        },
      ],
    }),
  );
  assert.equal(m.backends.get(routeRequest(m, 'h', '/p/1'))?.service, 'old');
  assert.equal(m.backends.get(m.defaultBackend ?? '')?.service, 'do');
  assert.equal(routeRequest(m, 'h', '/q'), m.defaultBackend);
});

test('backends: pod endpoints from the slices of the Service port named or numbered; missing Service: none', () => {
  const m = buildModel(
    inputs({
      ingresses: [
        ing('a', [
          rule('h', [
            ['/n', 'Prefix', 'web', 80],
            ['/s', 'Prefix', 'web', 'admin'],
            ['/m', 'Prefix', 'missing', 80],
            ['/u', 'Prefix', 'web', 9999],
          ]),
        ]),
      ],
      services: [
        svc('web', [
          { name: 'http', port: 80 },
          { name: 'admin', port: 81 },
        ]),
      ],
      slices: [
        slice('web', ['10.42.0.9', '10.42.0.10'], 8080, 'http'),
        slice('web', ['10.42.0.9'], 9090, 'admin'),
        slice('web', ['10.42.0.11'], 8080, 'http', false),
      ],
    }),
  );
  const eps = (path: string) => m.backends.get(routeRequest(m, 'h', path))?.endpoints;
  assert.deepEqual(eps('/n'), [
    { ip: '10.42.0.9', port: 8080 },
    { ip: '10.42.0.10', port: 8080 },
  ]);
  assert.deepEqual(eps('/s'), [{ ip: '10.42.0.9', port: 9090 }]);
  assert.deepEqual(eps('/m'), []);
  assert.deepEqual(eps('/u'), []);
  assert.deepEqual([...m.backends.keys()].sort(), [
    'ns_a_missing_80',
    'ns_a_web_80',
    'ns_a_web_9999',
    'ns_a_web_admin',
  ]);
});

test('serving-terminating endpoints only while none is ready', () => {
  const s: EndpointSlice = {
    addressType: 'IPv4',
    metadata: { name: 'x' },
    ports: [{ name: '', port: 80 }],
    endpoints: [
      { addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.0.0.2'], conditions: { ready: false } },
    ],
  };
  assert.deepEqual(sliceEndpoints([s], ''), [{ ip: '10.0.0.1', port: 80 }]);
  const withReady = { ...s, endpoints: [...(s.endpoints ?? []), { addresses: ['10.0.0.3'] }] };
  assert.deepEqual(sliceEndpoints([withReady], ''), [{ ip: '10.0.0.3', port: 80 }]);
});

test('TLS: certificates from kubernetes.io/tls Secrets of the Ingress namespace, hosts merged; missing ones skipped', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secret = (name: string): Secret => ({
    metadata: { namespace: 'ns', name },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64('CERT\n'), 'tls.key': b64('KEY\n') },
  });
  const m = buildModel(
    inputs({
      ingresses: [
        ing('a', [rule('a.com', [['/', 'Prefix', 'x', 80]])], {
          tls: [
            { hosts: ['a.com'], secretName: 'c' },
            { hosts: ['b.com'], secretName: 'gone' },
          ],
        }),
        ing('b', [], { tls: [{ hosts: ['B.com', 'a.com'], secretName: 'c' }] }, '2026-03-01T00:00:00Z'),
      ],
      secrets: [secret('c')],
    }),
  );
  assert.deepEqual(m.certs, [{ name: 'ns_c', pem: 'CERT\nKEY\n', hosts: ['a.com', 'b.com'] }]);
});
