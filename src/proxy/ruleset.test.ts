import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { buildRuleset, portEndpoints, renderScript } from './ruleset.js';

function svc(name: string, ip: string, extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { metadata: { namespace: 'ns', name }, spec: { clusterIP: ip, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], ...extra } };
}
function slice(svcName: string, eps: { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }[], port = 8080, name = ''): EndpointSlice {
  return {
    addressType: 'IPv4', metadata: { namespace: 'ns', name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } },
    ports: [{ name, port, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true, serving: e.serving, terminating: e.terminating } })),
  };
}

test('ready endpoints, sorted; serving-terminating only when none is ready; ports matched by name', () => {
  const s = [slice('a', [{ ip: '10.42.0.9' }, { ip: '10.42.0.3' }, { ip: '10.42.0.4', ready: false, serving: true, terminating: true }])];
  assert.deepEqual(portEndpoints(s, '', 'TCP'), [{ ip: '10.42.0.3', port: 8080 }, { ip: '10.42.0.9', port: 8080 }]);
  const t = [slice('a', [{ ip: '10.42.0.4', ready: false, serving: true, terminating: true }, { ip: '10.42.0.5', ready: false }])];
  assert.deepEqual(portEndpoints(t, '', 'TCP'), [{ ip: '10.42.0.4', port: 8080 }]);
  assert.deepEqual(portEndpoints([slice('a', [{ ip: '10.42.0.3' }], 8080, 'http')], '', 'TCP'), []);
  assert.deepEqual(portEndpoints([slice('a', [{ ip: '10.42.0.3' }], 8080, 'http')], 'http', 'TCP'), [{ ip: '10.42.0.3', port: 8080 }]);
});

test('a ClusterIP with two endpoints: map element, numgen vmap, mark + dnat per endpoint', () => {
  const rs = buildRuleset('t', [{ service: svc('web', '10.43.0.20'), slices: [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }])] }]);
  const svcChain = rs.maps.get('service-ips')?.get('10.43.0.20 . tcp . 80');
  assert.match(svcChain ?? '', /^goto svc-\w{8}-ns\/web\/tcp\/80$/);
  const chain = rs.chains.get(svcChain?.slice(5) ?? '');
  assert.match(chain?.rules[0] ?? '', /^numgen random mod 2 vmap \{ 0 : goto ep-\w+-ns\/web\/tcp\/80\/10\.42\.0\.2\/8080, 1 : goto ep-\w+-ns\/web\/tcp\/80\/10\.42\.0\.3\/8080 \}$/);
  const ep = [...rs.chains].find(([n]) => n.endsWith('/10.42.0.3/8080'));
  assert.deepEqual(ep?.[1].rules, ['meta mark set meta mark | 0x00004000', 'meta l4proto tcp dnat to 10.42.0.3:8080']);
  assert.equal(rs.maps.get('no-endpoint-services')?.size, 0);
});

test('no ready endpoints: reject entry, no service chain; headless and ExternalName skipped', () => {
  const rs = buildRuleset('t', [
    { service: svc('empty', '10.43.0.21'), slices: [slice('empty', [{ ip: '10.42.0.2', ready: false }])] },
    { service: svc('headless', 'None'), slices: [slice('headless', [{ ip: '10.42.0.2' }])] },
    { service: { metadata: { namespace: 'ns', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'x.example' } }, slices: [] },
  ]);
  assert.deepEqual([...(rs.maps.get('no-endpoint-services') ?? [])], [['10.43.0.21 . tcp . 80', 'goto reject-chain']]);
  assert.equal(rs.maps.get('service-ips')?.size, 0);
  assert.ok(![...rs.chains.keys()].some((n) => n.startsWith('svc-') || n.startsWith('ep-')));
});

test('sessionAffinity ClientIP: a set per endpoint, looked up first, updated on DNAT', () => {
  const rs = buildRuleset('t', [{ service: svc('web', '10.43.0.20', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), slices: [slice('web', [{ ip: '10.42.0.2' }])] }]);
  const [set, timeout] = [...rs.sets][0] ?? [];
  assert.equal(timeout, 60);
  const svcChain = [...rs.chains].find(([n]) => n.startsWith('svc-'))?.[1];
  assert.match(svcChain?.rules[0] ?? '', new RegExp(`^ip saddr @${set} goto ep-`));
  const ep = [...rs.chains].find(([n]) => n.startsWith('ep-'))?.[1];
  assert.ok(ep?.rules.includes(`update @${set} { ip saddr }`));
});

test('renderScript: full replacement first; then only the changed chain and map elements; stale chains deleted', () => {
  const a = buildRuleset('t', [{ service: svc('web', '10.43.0.20'), slices: [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }])] }]);
  const full = renderScript(a);
  assert.match(full, /^add table ip t\ndelete table ip t\ntable ip t \{\n/);
  assert.match(full, /add chain ip t nat-output \{ type nat hook output priority -100; policy accept; \}\nadd rule ip t nat-output jump services/);
  assert.equal(renderScript(a, a), '');
  const b = buildRuleset('t', [{ service: svc('web', '10.43.0.20'), slices: [slice('web', [{ ip: '10.42.0.2' }])] }]);
  const lines = renderScript(b, a).trim().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(/ep-\w{8}-/g, 'ep-H-').replace(/svc-\w{8}-/g, 'svc-H-')), [
    'flush chain ip t svc-H-ns/web/tcp/80',
    'add rule ip t svc-H-ns/web/tcp/80 goto ep-H-ns/web/tcp/80/10.42.0.2/8080',
    'flush chain ip t ep-H-ns/web/tcp/80/10.42.0.3/8080',
    'delete chain ip t ep-H-ns/web/tcp/80/10.42.0.3/8080',
  ]);
  const c = buildRuleset('t', [{ service: svc('web', '10.43.0.20'), slices: [] }]);
  const toEmpty = renderScript(c, b);
  assert.match(toEmpty, /delete element ip t service-ips \{ 10\.43\.0\.20 \. tcp \. 80 \}/);
  assert.match(toEmpty, /add element ip t no-endpoint-services \{ 10\.43\.0\.20 \. tcp \. 80 : goto reject-chain \}/);
});

test('static DNAT: rules ahead of the services jump (prerouting by interface), no reject entry for its Service', () => {
  const kubeDns = { metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { clusterIP: '10.43.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] } };
  const r = buildRuleset('t', [{ service: kubeDns, slices: [] }], [{ ip: '10.43.0.10', port: 53, to: '10.42.0.1', toPort: 53, iifname: 'flotilla0' }]);
  assert.deepEqual(r.chains.get('nat-prerouting')?.rules, [
    'iifname "flotilla0" ip daddr 10.43.0.10 udp dport 53 dnat to 10.42.0.1:53',
    'iifname "flotilla0" ip daddr 10.43.0.10 tcp dport 53 dnat to 10.42.0.1:53',
    'jump services',
  ]);
  assert.deepEqual(r.chains.get('nat-output')?.rules, [
    'ip daddr 10.43.0.10 udp dport 53 dnat to 10.42.0.1:53',
    'ip daddr 10.43.0.10 tcp dport 53 dnat to 10.42.0.1:53',
    'jump services',
  ]);
  assert.equal(r.maps.get('no-endpoint-services')?.size, 0);
});
