import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { allChains, buildRuleset, portEndpoints, renderScript, RulesetBuilder, type Ruleset } from './ruleset.js';
import { staleUdpFlows } from './conntrack-cleanup.js';

type Spec = NonNullable<Service['spec']>;
function svc(name: string, ip: string, extra: Partial<Spec> = {}, status?: Service['status']): Service {
  return {
    metadata: { namespace: 'ns', name },
    spec: { clusterIP: ip, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], ...extra },
    ...(status ? { status } : {}),
  };
}
type Ep = { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string };
function slice(svcName: string, eps: Ep[], port = 8080, name = '', protocol = 'TCP'): EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { namespace: 'ns', name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } },
    ports: [{ name, port, protocol }],
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving, terminating: e.terminating },
      ...(e.node ? { nodeName: e.node } : {}),
    })),
  };
}
const H = (s: string) => s.replace(/(svc|ext|local|ep|aff)-\w{8}/g, '$1-H');
const chainOf = (rs: Ruleset, verdict: string | undefined) => allChains(rs).get(verdict?.replace(/^goto /, '') ?? '');
const CIDR = { clusterCIDR: '10.42.0.0/16' };

test('ready endpoints, sorted; serving-terminating only when none is ready; ports matched by name', () => {
  const s = [
    slice('a', [
      { ip: '10.42.0.9' },
      { ip: '10.42.0.3' },
      { ip: '10.42.0.4', ready: false, serving: true, terminating: true },
    ]),
  ];
  assert.deepEqual(portEndpoints(s, '', 'TCP'), [
    { ip: '10.42.0.3', port: 8080 },
    { ip: '10.42.0.9', port: 8080 },
  ]);
  const t = [
    slice('a', [
      { ip: '10.42.0.4', ready: false, serving: true, terminating: true },
      { ip: '10.42.0.5', ready: false },
    ]),
  ];
  assert.deepEqual(portEndpoints(t, '', 'TCP'), [{ ip: '10.42.0.4', port: 8080 }]);
  assert.deepEqual(portEndpoints([slice('a', [{ ip: '10.42.0.3' }], 8080, 'http')], '', 'TCP'), []);
  assert.deepEqual(portEndpoints([slice('a', [{ ip: '10.42.0.3' }], 8080, 'http')], 'http', 'TCP'), [
    { ip: '10.42.0.3', port: 8080 },
  ]);
});

test('ClusterIP with two endpoints: one chain, non-cluster sources marked, dnat through a numgen map', () => {
  const rs = buildRuleset(
    't',
    [{ service: svc('web', '10.43.0.20'), slices: [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }])] }],
    CIDR,
  );
  const verdict = rs.maps.get('service-ips')?.get('10.43.0.20 . tcp . 80');
  assert.equal(H(verdict ?? ''), 'goto svc-H-ns/web/tcp/80');
  assert.deepEqual(chainOf(rs, verdict), [
    'ip saddr != 10.42.0.0/16 meta mark set meta mark | 0x00004000',
    'meta l4proto tcp dnat ip addr . port to numgen random mod 2 map { 0 : 10.42.0.2 . 8080, 1 : 10.42.0.3 . 8080 }',
  ]);
  assert.equal([...allChains(rs).keys()].filter((n) => n.startsWith('ep-')).length, 0);
  assert.equal(rs.maps.get('no-endpoint-services')?.size, 0);
  // Pods keep their address; a pod reaching itself is masqueraded through the hairpin set.
  assert.deepEqual([...rs.hairpin], ['10.42.0.2 . 10.42.0.2', '10.42.0.3 . 10.42.0.3']);
  assert.deepEqual(rs.base.get('nat-postrouting')?.rules, [
    'meta mark & 0x00004000 == 0x00004000 meta mark set meta mark ^ 0x00004000 masquerade',
    'ct status dnat ip saddr . ip daddr @hairpin masquerade',
  ]);
  // Without a cluster CIDR (or with masqueradeAll) everything proxied is masqueraded, no hairpin set needed.
  const all = buildRuleset(
    't',
    [{ service: svc('web', '10.43.0.20'), slices: [slice('web', [{ ip: '10.42.0.2' }])] }],
    { ...CIDR, masqueradeAll: true },
  );
  assert.deepEqual(chainOf(all, all.maps.get('service-ips')?.get('10.43.0.20 . tcp . 80')), [
    'meta mark set meta mark | 0x00004000',
    'meta l4proto tcp dnat to 10.42.0.2:8080',
  ]);
  assert.equal(all.hairpin.size, 0);
  assert.equal(all.base.get('nat-postrouting')?.rules.length, 1);
});

test('no ready endpoints: reject entry, no service chain; headless and ExternalName skipped', () => {
  const rs = buildRuleset('t', [
    { service: svc('empty', '10.43.0.21'), slices: [slice('empty', [{ ip: '10.42.0.2', ready: false }])] },
    { service: svc('headless', 'None'), slices: [slice('headless', [{ ip: '10.42.0.2' }])] },
    {
      service: {
        metadata: { namespace: 'ns', name: 'ext' },
        spec: { type: 'ExternalName', externalName: 'x.example' },
      },
      slices: [],
    },
  ]);
  assert.deepEqual([...(rs.maps.get('no-endpoint-services') ?? [])], [['10.43.0.21 . tcp . 80', 'goto reject-chain']]);
  assert.equal(rs.maps.get('service-ips')?.size, 0);
  assert.deepEqual([...(rs.fragments.get('ns/empty')?.chains.keys() ?? [])], []);
  assert.equal(rs.fragments.has('ns/headless'), false);
});

test('sessionAffinity ClientIP: a set and a chain per endpoint, looked up first, updated on DNAT', () => {
  const rs = buildRuleset(
    't',
    [
      {
        service: svc('web', '10.43.0.20', {
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        }),
        slices: [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }])],
      },
    ],
    CIDR,
  );
  assert.deepEqual([...rs.sets.values()], [60, 60]);
  const chains = allChains(rs);
  const svcRules = chainOf(rs, rs.maps.get('service-ips')?.get('10.43.0.20 . tcp . 80'));
  assert.deepEqual(svcRules?.map(H), [
    'ip saddr != 10.42.0.0/16 meta mark set meta mark | 0x00004000',
    'ip saddr @aff-H goto ep-H-ns/web/tcp/80/10.42.0.2/8080',
    'ip saddr @aff-H goto ep-H-ns/web/tcp/80/10.42.0.3/8080',
    'numgen random mod 2 vmap { 0 : goto ep-H-ns/web/tcp/80/10.42.0.2/8080, 1 : goto ep-H-ns/web/tcp/80/10.42.0.3/8080 }',
  ]);
  const set = /@(aff-\w+)/.exec(svcRules?.[1] ?? '')?.[1];
  const ep = [...chains].find(([n]) => n.endsWith('/10.42.0.2/8080'))?.[1];
  assert.deepEqual(ep, [`update @${set} { ip saddr }`, 'meta l4proto tcp dnat to 10.42.0.2:8080']);
});

test('NodePort: nodeports map on the node addresses, external chain masquerades then joins the cluster chain', () => {
  const service = svc('np', '10.43.0.30', {
    type: 'NodePort',
    ports: [
      { port: 80, protocol: 'TCP', nodePort: 30080 },
      { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
    ],
  });
  const rs = buildRuleset('t', [{ service, slices: [slice('np', [{ ip: '10.42.0.2' }])] }], {
    ...CIDR,
    nodePortAddresses: ['192.168.5.1', '127.0.0.1'],
  });
  const nodeports = rs.maps.get('service-nodeports');
  assert.equal(H(nodeports?.get('tcp . 30080') ?? ''), 'goto ext-H-ns/np/tcp/80');
  assert.deepEqual(chainOf(rs, nodeports?.get('tcp . 30080'))?.map(H), [
    'meta mark set meta mark | 0x00004000',
    'goto svc-H-ns/np/tcp/80',
  ]);
  // The UDP port's slice port does not exist (named 'dns' absent): it rejects on the node port and the ClusterIP.
  assert.equal(rs.maps.get('no-endpoint-nodeports')?.get('udp . 30053'), 'goto reject-chain');
  assert.equal(rs.maps.get('no-endpoint-services')?.get('10.43.0.30 . udp . 53'), 'goto reject-chain');
  assert.deepEqual(rs.base.get('services')?.rules, [
    'ip daddr . meta l4proto . th dport vmap @service-ips',
    'ip daddr { 192.168.5.1 } meta l4proto . th dport vmap @service-nodeports',
  ]);
  assert.match(
    buildRuleset('t', [], {}).base.get('services')?.rules[1] ?? '',
    /^fib daddr type local ip daddr != 127\.0\.0\.0\/8 meta l4proto/,
  );
  // A ClusterIP Service keeps no node port even if the field is set.
  const plain = buildRuleset('t', [
    {
      service: svc('c', '10.43.0.31', { ports: [{ port: 80, nodePort: 30081 }] }),
      slices: [slice('c', [{ ip: '10.42.0.2' }])],
    },
  ]);
  assert.equal(plain.maps.get('service-nodeports')?.size, 0);
});

test('LoadBalancer ingress and externalIPs: service-ips elements to the external chain', () => {
  const service = svc(
    'lb',
    '10.43.0.40',
    { type: 'LoadBalancer', externalIPs: ['192.168.7.9'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] },
    { loadBalancer: { ingress: [{ ip: '192.168.5.1' }, { hostname: 'x' }] } },
  );
  const rs = buildRuleset('t', [{ service, slices: [slice('lb', [{ ip: '10.42.0.2' }])] }], CIDR);
  const ips = rs.maps.get('service-ips');
  assert.deepEqual(
    [...(ips ?? [])].map(([k, v]) => [k, H(v)]),
    [
      ['10.43.0.40 . tcp . 80', 'goto svc-H-ns/lb/tcp/80'],
      ['192.168.5.1 . tcp . 80', 'goto ext-H-ns/lb/tcp/80'],
      ['192.168.7.9 . tcp . 80', 'goto ext-H-ns/lb/tcp/80'],
    ],
  );
  assert.equal(H(rs.maps.get('service-nodeports')?.get('tcp . 31000') ?? ''), 'goto ext-H-ns/lb/tcp/80');
  // Two Services claiming the same external address and port: the first by namespace/name keeps it.
  const other = svc('zz', '10.43.0.41', { externalIPs: ['192.168.7.9'] });
  const both = buildRuleset(
    't',
    [
      { service: other, slices: [slice('zz', [{ ip: '10.42.0.9' }])] },
      { service, slices: [slice('lb', [{ ip: '10.42.0.2' }])] },
    ],
    CIDR,
  );
  assert.equal(H(both.maps.get('service-ips')?.get('192.168.7.9 . tcp . 80') ?? ''), 'goto ext-H-ns/lb/tcp/80');
});

test('externalTrafficPolicy Local: pods and the node use all endpoints, outside clients only local ones unmasqueraded; none local: drop', () => {
  const service = svc('loc', '10.43.0.50', {
    type: 'NodePort',
    externalTrafficPolicy: 'Local',
    ports: [{ port: 80, protocol: 'TCP', nodePort: 30050 }],
  });
  const eps = [
    { ip: '10.42.0.2', node: 'n1' },
    { ip: '10.42.1.2', node: 'n2' },
    { ip: '10.42.0.3', node: 'n1' },
  ];
  const rs = buildRuleset('t', [{ service, slices: [slice('loc', eps)] }], { ...CIDR, nodeName: 'n1' });
  assert.deepEqual(chainOf(rs, rs.maps.get('service-nodeports')?.get('tcp . 30050'))?.map(H), [
    'ip saddr 10.42.0.0/16 goto svc-H-ns/loc/tcp/80',
    'fib saddr type local meta mark set meta mark | 0x00004000',
    'fib saddr type local goto svc-H-ns/loc/tcp/80',
    'meta l4proto tcp dnat ip addr . port to numgen random mod 2 map { 0 : 10.42.0.2 . 8080, 1 : 10.42.0.3 . 8080 }',
  ]);
  // The ClusterIP still balances over all three; only local pods are in the hairpin set.
  assert.match(chainOf(rs, rs.maps.get('service-ips')?.get('10.43.0.50 . tcp . 80'))?.[1] ?? '', /mod 3 map/);
  assert.deepEqual([...rs.hairpin], ['10.42.0.2 . 10.42.0.2', '10.42.0.3 . 10.42.0.3']);
  const none = buildRuleset('t', [{ service, slices: [slice('loc', eps)] }], { ...CIDR, nodeName: 'n3' });
  assert.equal(chainOf(none, none.maps.get('service-nodeports')?.get('tcp . 30050'))?.at(-1), 'drop');
});

test('internalTrafficPolicy Local: the ClusterIP uses local endpoints only; none local: drop', () => {
  const service = svc('itp', '10.43.0.60', { internalTrafficPolicy: 'Local' });
  const eps = [
    { ip: '10.42.0.2', node: 'n1' },
    { ip: '10.42.1.2', node: 'n2' },
  ];
  const rs = buildRuleset('t', [{ service, slices: [slice('itp', eps)] }], { ...CIDR, nodeName: 'n1' });
  const v = rs.maps.get('service-ips')?.get('10.43.0.60 . tcp . 80');
  assert.equal(H(v ?? ''), 'goto local-H-ns/itp/tcp/80');
  assert.equal(chainOf(rs, v)?.[1], 'meta l4proto tcp dnat to 10.42.0.2:8080');
  const none = buildRuleset('t', [{ service, slices: [slice('itp', eps)] }], { ...CIDR, nodeName: 'n3' });
  assert.equal(none.maps.get('no-endpoint-services')?.get('10.43.0.60 . tcp . 80'), 'drop');
  assert.equal(none.maps.get('service-ips')?.size, 0);
});

test('renderScript: full replacement first; then only the changed chain and map elements; stale chains deleted', () => {
  const a = buildRuleset('t', [
    { service: svc('web', '10.43.0.20'), slices: [slice('web', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }])] },
  ]);
  const full = renderScript(a);
  assert.match(full, /^add table ip t\ndelete table ip t\ntable ip t \{\n/);
  assert.match(
    full,
    /add chain ip t nat-output \{ type nat hook output priority -100; policy accept; \}\nadd rule ip t nat-output jump services/,
  );
  assert.equal(renderScript(a, a), '');
  const b = buildRuleset('t', [{ service: svc('web', '10.43.0.20'), slices: [slice('web', [{ ip: '10.42.0.2' }])] }]);
  b.base = a.base; // same node options: incremental
  assert.deepEqual(renderScript(b, a).trim().split('\n').map(H), [
    'flush chain ip t svc-H-ns/web/tcp/80',
    'add rule ip t svc-H-ns/web/tcp/80 meta mark set meta mark | 0x00004000',
    'add rule ip t svc-H-ns/web/tcp/80 meta l4proto tcp dnat to 10.42.0.2:8080',
  ]);
  const c = buildRuleset('t', [{ service: svc('web', '10.43.0.20'), slices: [] }]);
  c.base = a.base;
  const toEmpty = renderScript(c, b);
  assert.match(toEmpty, /delete element ip t service-ips \{ 10\.43\.0\.20 \. tcp \. 80 \}/);
  assert.match(toEmpty, /add element ip t no-endpoint-services \{ 10\.43\.0\.20 \. tcp \. 80 : goto reject-chain \}/);
  assert.match(toEmpty, /flush chain ip t svc-\w+-ns\/web\/tcp\/80\ndelete chain ip t svc-/);
});

test('RulesetBuilder: unchanged objects keep their fragment, so a sync renders only the changed Service', () => {
  const builder = new RulesetBuilder('t', { ...CIDR, nodeName: 'n1' });
  const inputs = [0, 1, 2].map((i) => ({
    service: svc(`s${i}`, `10.43.0.${i + 1}`),
    slices: [
      slice(`s${i}`, [
        { ip: `10.42.0.${i + 10}`, node: 'n1' },
        { ip: `10.42.0.${i + 20}`, node: 'n2' },
      ]),
    ],
  }));
  const first = builder.build(inputs);
  const same = builder.build(inputs.map((x) => ({ ...x, slices: [...x.slices] })));
  for (const k of first.fragments.keys()) assert.equal(same.fragments.get(k), first.fragments.get(k));
  assert.equal(renderScript(same, first), '');
  const changed = inputs.map((x, i) =>
    i === 1 ? { ...x, slices: [slice('s1', [{ ip: '10.42.0.11', node: 'n1' }])] } : x,
  );
  const next = builder.build(changed);
  assert.equal(next.fragments.get('ns/s0'), first.fragments.get('ns/s0'));
  assert.notEqual(next.fragments.get('ns/s1'), first.fragments.get('ns/s1'));
  assert.deepEqual(renderScript(next, same).trim().split('\n').map(H), [
    'flush chain ip t svc-H-ns/s1/tcp/80',
    'add rule ip t svc-H-ns/s1/tcp/80 ip saddr != 10.42.0.0/16 meta mark set meta mark | 0x00004000',
    'add rule ip t svc-H-ns/s1/tcp/80 meta l4proto tcp dnat to 10.42.0.11:8080',
  ]);
  // A removed Service: its elements and chains go.
  const gone = builder.build(changed.slice(0, 2));
  assert.deepEqual(renderScript(gone, next).trim().split('\n').map(H), [
    'delete element ip t service-ips { 10.43.0.3 . tcp . 80 }',
    'delete element ip t hairpin { 10.42.0.12 . 10.42.0.12 }',
    'flush chain ip t svc-H-ns/s2/tcp/80',
    'delete chain ip t svc-H-ns/s2/tcp/80',
  ]);
});

test('static DNAT: rules ahead of the services jump (prerouting by interface), no reject entry for its Service', () => {
  const kubeDns = {
    metadata: { namespace: 'kube-system', name: 'kube-dns' },
    spec: {
      clusterIP: '10.43.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    },
  };
  const r = buildRuleset('t', [{ service: kubeDns, slices: [] }], {
    staticDnat: [{ ip: '10.43.0.10', port: 53, to: '10.42.0.1', toPort: 53, iifname: 'flotilla0' }],
  });
  assert.deepEqual(r.base.get('nat-prerouting')?.rules, [
    'iifname "flotilla0" ip daddr 10.43.0.10 udp dport 53 dnat to 10.42.0.1:53',
    'iifname "flotilla0" ip daddr 10.43.0.10 tcp dport 53 dnat to 10.42.0.1:53',
    'jump services',
  ]);
  assert.deepEqual(r.base.get('nat-output')?.rules, [
    'ip daddr 10.43.0.10 udp dport 53 dnat to 10.42.0.1:53',
    'ip daddr 10.43.0.10 tcp dport 53 dnat to 10.42.0.1:53',
    'jump services',
  ]);
  assert.equal(r.maps.get('no-endpoint-services')?.size, 0);
});

test('UDP conntrack clean-up: flows of a removed endpoint per address and node port; first endpoint clears the address', () => {
  const builder = new RulesetBuilder('t', CIDR);
  const service = svc('dns', '10.43.0.70', {
    type: 'NodePort',
    ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }],
  });
  const two = builder.build([
    { service, slices: [slice('dns', [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }], 53, '', 'UDP')] },
  ]);
  const one = builder.build([{ service, slices: [slice('dns', [{ ip: '10.42.0.2' }], 53, '', 'UDP')] }]);
  assert.deepEqual(staleUdpFlows(two, one), [
    ['-D', '-p', 'udp', '--orig-dst', '10.43.0.70', '--dport', '53', '--dst-nat', '10.42.0.3'],
    ['-D', '-p', 'udp', '--dport', '30053', '--dst-nat', '10.42.0.3'],
  ]);
  const none = builder.build([{ service, slices: [] }]);
  const back = builder.build([{ service, slices: [slice('dns', [{ ip: '10.42.0.4' }], 53, '', 'UDP')] }]);
  assert.deepEqual(staleUdpFlows(none, back), [['-D', '-p', 'udp', '--orig-dst', '10.43.0.70', '--dport', '53']]);
  assert.deepEqual(staleUdpFlows(undefined, back), []);
  // TCP ports are left to the kernel (RST/timeouts).
  const tcp = builder.build([{ service: svc('web', '10.43.0.71'), slices: [slice('web', [{ ip: '10.42.0.5' }])] }]);
  assert.deepEqual(staleUdpFlows(tcp, builder.build([{ service: svc('web', '10.43.0.71'), slices: [] }])), []);
});

test('publishNotReadyAddresses: the EndpointSlice controller marks unready pods ready, and the proxy uses them', () => {
  // What pod-endpoints.ts writes for a not-ready pod of a Service with publishNotReadyAddresses.
  const s = slice('pub', [{ ip: '10.42.0.2', ready: true, serving: false, terminating: false }]);
  const rs = buildRuleset(
    't',
    [{ service: svc('pub', '10.43.0.80', { publishNotReadyAddresses: true }), slices: [s] }],
    CIDR,
  );
  assert.equal(
    chainOf(rs, rs.maps.get('service-ips')?.get('10.43.0.80 . tcp . 80'))?.[1],
    'meta l4proto tcp dnat to 10.42.0.2:8080',
  );
});
