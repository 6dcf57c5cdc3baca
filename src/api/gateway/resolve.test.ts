import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import { intersectHostnames, resolveGateways, type ResolveInputs } from './resolve.js';
import type { Gateway, HTTPRoute } from './types.js';

const CONTROLLER = 'flotilla.dev/gateway-controller';
const svc = (ns: string, name: string, port = 8080): Service => ({
  metadata: { namespace: ns, name },
  spec: { ports: [{ port }] },
});
const gateway = (
  listeners: Gateway['spec'] extends infer S ? (S extends { listeners?: infer L } ? L : never) : never,
): Gateway => ({
  metadata: { namespace: 'infra', name: 'gw' },
  spec: { gatewayClassName: 'flotilla', listeners },
});
const route = (name: string, ns: string, spec: HTTPRoute['spec']): HTTPRoute => ({
  metadata: { namespace: ns, name },
  spec,
});
const inputs = (o: Partial<ResolveInputs>): ResolveInputs => ({
  classes: [{ metadata: { name: 'flotilla' }, spec: { controllerName: CONTROLLER } }],
  gateways: [],
  httpRoutes: [],
  grants: [],
  services: [],
  namespaces: [{ metadata: { name: 'infra' } }, { metadata: { name: 'app', labels: { team: 'a' } } }],
  controller: CONTROLLER,
  ...o,
});
const reasons = (r: ReturnType<typeof resolveGateways>, key: string) =>
  (r.routes.get(key) ?? []).map((p) => p.conditions.map((c) => `${c.type}=${c.status}:${c.reason}`).join(' '));

test('hostname intersection: the more specific of two matching names; wildcards match any depth', () => {
  assert.deepEqual(intersectHostnames(undefined, []), ['']);
  assert.deepEqual(intersectHostnames('*.example.com', []), ['*.example.com']);
  assert.deepEqual(intersectHostnames('*.example.com', ['a.example.com', 'a.b.example.com', 'example.com', 'x.org']), [
    'a.example.com',
    'a.b.example.com',
  ]);
  assert.deepEqual(intersectHostnames('a.example.com', ['*.example.com']), ['a.example.com']);
  assert.deepEqual(intersectHostnames('*.example.com', ['*.foo.example.com']), ['*.foo.example.com']);
  assert.deepEqual(intersectHostnames('a.example.com', ['b.example.com']), []);
});

test('routes attach by sectionName, namespace policy and hostname, with the conformance reasons', () => {
  const gw = gateway([
    { name: 'same', port: 80, protocol: 'HTTP', hostname: '*.example.com' },
    {
      name: 'selected',
      port: 8080,
      protocol: 'HTTP',
      allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } },
    },
    { name: 'tcp', port: 9000, protocol: 'TCP' },
  ]);
  const r = resolveGateways(
    inputs({
      gateways: [gw],
      services: [svc('app', 'web'), svc('infra', 'web')],
      httpRoutes: [
        route('ok', 'infra', {
          parentRefs: [{ name: 'gw', sectionName: 'same' }],
          hostnames: ['a.example.com'],
          rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }],
        }),
        route('wrong-host', 'infra', {
          parentRefs: [{ name: 'gw', sectionName: 'same' }],
          hostnames: ['a.example.org'],
        }),
        route('other-ns', 'app', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'same' }] }),
        route('selected', 'app', {
          parentRefs: [{ name: 'gw', namespace: 'infra' }],
          rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }],
        }),
        route('no-section', 'infra', { parentRefs: [{ name: 'gw', sectionName: 'nope' }] }),
        route('missing-svc', 'infra', {
          parentRefs: [{ name: 'gw', sectionName: 'same' }],
          rules: [{ backendRefs: [{ name: 'gone', port: 80 }] }],
        }),
        route('cross-ns', 'infra', {
          parentRefs: [{ name: 'gw', sectionName: 'same' }],
          rules: [{ backendRefs: [{ name: 'web', namespace: 'app', port: 8080 }] }],
        }),
        route('other-gateway', 'infra', { parentRefs: [{ name: 'someone-elses' }] }),
      ],
    }),
  );
  assert.deepEqual(reasons(r, 'HTTPRoute/infra/ok'), ['Accepted=True:Accepted ResolvedRefs=True:ResolvedRefs']);
  assert.deepEqual(reasons(r, 'HTTPRoute/infra/wrong-host'), [
    'Accepted=False:NoMatchingListenerHostname ResolvedRefs=True:ResolvedRefs',
  ]);
  assert.deepEqual(reasons(r, 'HTTPRoute/app/other-ns'), [
    'Accepted=False:NotAllowedByListeners ResolvedRefs=True:ResolvedRefs',
  ]);
  assert.deepEqual(reasons(r, 'HTTPRoute/app/selected'), ['Accepted=True:Accepted ResolvedRefs=True:ResolvedRefs']);
  assert.deepEqual(reasons(r, 'HTTPRoute/infra/no-section'), [
    'Accepted=False:NoMatchingParent ResolvedRefs=True:ResolvedRefs',
  ]);
  assert.deepEqual(reasons(r, 'HTTPRoute/infra/missing-svc'), [
    'Accepted=True:Accepted ResolvedRefs=False:BackendNotFound',
  ]);
  assert.deepEqual(reasons(r, 'HTTPRoute/infra/cross-ns'), [
    'Accepted=True:Accepted ResolvedRefs=False:RefNotPermitted',
  ]);
  assert.equal(r.routes.has('HTTPRoute/infra/other-gateway'), false);

  const g = r.gateways.get('infra/gw');
  assert.ok(g);
  assert.deepEqual(
    g.listeners.map((l) => [
      l.listener.name,
      l.attachedRoutes,
      l.conditions.find((c) => c.type === 'Accepted')?.reason,
    ]),
    [
      ['same', 3, 'Accepted'],
      ['selected', 1, 'Accepted'],
      ['tcp', 0, 'UnsupportedProtocol'],
    ],
  );
  assert.deepEqual(
    g.conditions.map((c) => `${c.type}=${c.status}:${c.reason}`),
    ['Accepted=True:ListenersNotValid', 'Programmed=True:Programmed'],
  );
  const ok = r.attachments.find((a) => a.route.metadata.name === 'ok');
  assert.deepEqual(ok?.hostnames, ['a.example.com']);

  // A ReferenceGrant in the Service's namespace permits the cross-namespace backend.
  const granted = resolveGateways(
    inputs({
      gateways: [gw],
      services: [svc('app', 'web')],
      grants: [
        {
          metadata: { namespace: 'app', name: 'g' },
          spec: {
            from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }],
            to: [{ group: '', kind: 'Service' }],
          },
        },
      ],
      httpRoutes: [
        route('cross-ns', 'infra', {
          parentRefs: [{ name: 'gw', sectionName: 'same' }],
          rules: [{ backendRefs: [{ name: 'web', namespace: 'app', port: 8080 }] }],
        }),
      ],
    }),
  );
  assert.deepEqual(reasons(granted, 'HTTPRoute/infra/cross-ns'), [
    'Accepted=True:Accepted ResolvedRefs=True:ResolvedRefs',
  ]);
});

test('HTTPS listeners: certificate references resolve, or the listener is not programmed', () => {
  const gw = gateway([
    { name: 'tls', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
    {
      name: 'missing',
      port: 443,
      protocol: 'HTTPS',
      hostname: 'b.example',
      tls: { certificateRefs: [{ name: 'gone' }] },
    },
    { name: 'clash', port: 443, protocol: 'HTTP', hostname: 'c.example' },
  ]);
  const r = resolveGateways(
    inputs({
      gateways: [gw],
      secrets: [{ metadata: { namespace: 'infra', name: 'cert' }, data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } }],
    }),
  );
  const ls = r.gateways.get('infra/gw')?.listeners ?? [];
  const of = (i: number) => ls[i].conditions.map((c) => `${c.type}=${c.status}:${c.reason}`);
  assert.deepEqual(of(1), [
    'Accepted=True:Accepted',
    'Conflicted=True:ProtocolConflict',
    'ResolvedRefs=False:InvalidCertificateRef',
    'Programmed=False:Invalid',
  ]);
  assert.deepEqual(of(2), [
    'Accepted=True:Accepted',
    'Conflicted=True:ProtocolConflict',
    'ResolvedRefs=True:ResolvedRefs',
    'Programmed=False:Invalid',
  ]);
  assert.deepEqual(ls[0].certificates, [{ namespace: 'infra', name: 'cert' }]);
});
