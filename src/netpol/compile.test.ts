import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1.js';
import { compilePolicies, normalizeCidr, policyTypes, type CompileInput } from './compile.js';
import { renderTable, renderUpdate } from './render.js';

function pod(
  ns: string,
  name: string,
  ip: string,
  labels: Record<string, string> = {},
  extra: {
    node?: string;
    ports?: { name: string; containerPort: number; protocol?: string }[];
    phase?: string;
    hostNetwork?: boolean;
  } = {},
): Pod {
  return {
    metadata: { namespace: ns, name, labels },
    spec: {
      nodeName: extra.node ?? 'n1',
      hostNetwork: extra.hostNetwork,
      containers: [{ name: 'c', ports: extra.ports }],
    },
    status: { phase: extra.phase ?? 'Running', podIP: ip },
  };
}
const policy = (ns: string, name: string, spec: NetworkPolicySpec): NetworkPolicy => ({
  metadata: { namespace: ns, name },
  spec,
});
const namespaces: Namespace[] = [{ metadata: { name: 'x' } }, { metadata: { name: 'y', labels: { team: 'blue' } } }];
const pods = [
  pod(
    'x',
    'a',
    '10.42.0.2',
    { app: 'a' },
    {
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
      ],
    },
  ),
  pod('x', 'b', '10.42.0.3', { role: 'client' }),
  pod('x', 'c', '10.42.0.4', { role: 'other' }),
  pod('y', 'd', '10.42.1.5', { role: 'client' }, { node: 'n2', ports: [{ name: 'http', containerPort: 80 }] }),
];
const compile = (policies: NetworkPolicy[], extra: Partial<CompileInput> = {}) =>
  compilePolicies({ policies, pods, namespaces, nodeName: 'n1', ...extra });

test('no policy: no pod is isolated (allow-all)', () => {
  const t = compile([]);
  assert.equal(t.ingress.size, 0);
  assert.equal(t.egress.size, 0);
  assert.equal(t.chains.size, 0);
});

test('policyTypes default: Ingress, plus Egress with egress rules', () => {
  assert.deepEqual(policyTypes(policy('x', 'p', { podSelector: {} })), ['ingress']);
  assert.deepEqual(policyTypes(policy('x', 'p', { podSelector: {}, egress: [{}] })), ['ingress', 'egress']);
  assert.deepEqual(policyTypes(policy('x', 'p', { podSelector: {}, policyTypes: ['Egress'] })), ['egress']);
});

test('default deny ingress on a: chain with only the self rule and drop; other pods untouched', () => {
  const t = compile([policy('x', 'deny', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress'] })]);
  assert.deepEqual([...t.ingress.keys()], ['10.42.0.2']);
  assert.equal(t.egress.size, 0);
  assert.deepEqual(t.chains.get(t.ingress.get('10.42.0.2') ?? ''), ['ip saddr 10.42.0.2 accept', 'drop']);
});

test('podSelector, namespaceSelector, both, ipBlock with except; named and numeric ports', () => {
  const t = compile([
    policy('x', 'allow', {
      podSelector: { matchLabels: { app: 'a' } },
      ingress: [
        { from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
        {
          from: [
            { namespaceSelector: { matchLabels: { team: 'blue' } } },
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } },
              podSelector: { matchLabels: { role: 'other' } },
            },
          ],
        },
        {
          from: [{ ipBlock: { cidr: '192.168.1.9/16', except: ['192.168.3.0/24'] } }],
          ports: [
            { protocol: 'UDP', port: 'dns' },
            { protocol: 'TCP', port: 9000, endPort: 9010 },
            { protocol: 'SCTP' },
          ],
        },
        { ports: [{ protocol: 'TCP', port: 'missing' }] },
      ],
    }),
  ]);
  const clients = [...t.peerSets].find(([, ips]) => ips.join() === '10.42.0.3')?.[0];
  const blueNs = [...t.peerSets].find(([, ips]) => ips.join() === '10.42.1.5')?.[0];
  const otherInX = [...t.peerSets].find(([, ips]) => ips.join() === '10.42.0.4')?.[0];
  assert.ok(clients && blueNs && otherInX, JSON.stringify([...t.peerSets]));
  assert.equal(t.peerSets.size, 3); // d (role=client in y) is not in the same-namespace podSelector set
  assert.deepEqual(t.chains.get(t.ingress.get('10.42.0.2') ?? ''), [
    'ip saddr 10.42.0.2 accept',
    `ip saddr @${clients} tcp dport 8080 accept comment "x/allow ingress[0]"`,
    `ip saddr @${blueNs} accept comment "x/allow ingress[1]"`,
    `ip saddr @${otherInX} accept comment "x/allow ingress[1]"`,
    'ip saddr 192.168.0.0/16 ip saddr != { 192.168.3.0/24 } udp dport 53 accept comment "x/allow ingress[2]"',
    'ip saddr 192.168.0.0/16 ip saddr != { 192.168.3.0/24 } tcp dport 9000-9010 accept comment "x/allow ingress[2]"',
    'ip saddr 192.168.0.0/16 ip saddr != { 192.168.3.0/24 } meta l4proto sctp accept comment "x/allow ingress[2]"',
    'drop', // ingress[3]: the named port is not on a, so it allows nothing
  ]);
});

test('union of two policies selecting the same pod; empty rule allows all', () => {
  const t = compile([
    policy('x', 'p1', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] }),
    policy('x', 'p2', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{}] }),
    policy('y', 'p3', { podSelector: {} }), // other namespace: does not select x's pods; d is on n2
  ]);
  assert.deepEqual([...t.ingress.keys()].sort(), ['10.42.0.2', '10.42.0.3', '10.42.0.4']);
  const rules = t.chains.get(t.ingress.get('10.42.0.2') ?? '') ?? [];
  assert.equal(rules.length, 4);
  assert.match(rules[1] ?? '', /^ip saddr @peers-\w+ accept comment "x\/p1 ingress\[0\]"$/);
  assert.equal(rules[2], 'accept comment "x/p2 ingress[0]"');
});

test('egress: named port resolved per destination pod through an ip . port set; return on allow', () => {
  const t = compile([
    policy('x', 'egr', {
      podSelector: { matchLabels: { role: 'client' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 'http' }] },
        { to: [{ ipBlock: { cidr: '10.43.0.10/32' } }] },
      ],
    }),
  ]);
  assert.deepEqual([...t.egress.keys()], ['10.42.0.3']);
  assert.equal(t.ingress.size, 0);
  const [[portSet, els]] = [...t.portSets];
  assert.deepEqual(els, ['10.42.0.2 . 8080', '10.42.1.5 . 80']);
  const all = [...t.peerSets].find(([, ips]) => ips.length === 4)?.[0];
  assert.deepEqual(t.chains.get(t.egress.get('10.42.0.3') ?? ''), [
    'ip daddr 10.42.0.3 return',
    `ip daddr @${all} meta l4proto tcp ip daddr . tcp dport @${portSet} return comment "x/egr egress[0]"`,
    'ip daddr 10.43.0.10/32 return comment "x/egr egress[1]"',
    'drop',
  ]);
});

test("only this node's pods get chains; host-network and finished pods are neither selected nor peers", () => {
  const extra = [
    pod('x', 'h', '192.168.0.1', { role: 'client' }, { hostNetwork: true }),
    pod('x', 'f', '10.42.0.9', { role: 'client' }, { phase: 'Succeeded' }),
  ];
  const t = compile(
    [
      policy('x', 'all', {
        podSelector: {},
        ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
      }),
    ],
    { pods: [...pods, ...extra] },
  );
  assert.deepEqual([...t.ingress.keys()].sort(), ['10.42.0.2', '10.42.0.3', '10.42.0.4']);
  assert.deepEqual([...t.peerSets.values()], [['10.42.0.3']]);
  const everywhere = compile([policy('y', 'all', { podSelector: {} })], { nodeName: undefined });
  assert.deepEqual([...everywhere.ingress.keys()], ['10.42.1.5']);
});

test('normalizeCidr clears host bits and refuses non-IPv4', () => {
  assert.equal(normalizeCidr('10.1.2.3/8'), '10.0.0.0/8');
  assert.equal(normalizeCidr('0.0.0.0/0'), '0.0.0.0/0');
  assert.equal(normalizeCidr('192.168.1.77/32'), '192.168.1.77/32');
  assert.equal(normalizeCidr('fd00::/8'), undefined);
  assert.equal(normalizeCidr('10.0.0.0/33'), undefined);
});

test('renderTable: whole-table replacement with sets, chains, maps and the forward hook', () => {
  const t = compile([
    policy('x', 'deny', {
      podSelector: { matchLabels: { app: 'a' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
    }),
  ]);
  const chain = t.ingress.get('10.42.0.2') ?? '';
  const set = [...t.peerSets.keys()][0] ?? '';
  assert.equal(
    renderTable('flotilla-netpol-t', t),
    [
      'add table ip flotilla-netpol-t',
      'delete table ip flotilla-netpol-t',
      'table ip flotilla-netpol-t {',
      `  set ${set} { type ipv4_addr; elements = { 10.42.0.3 }; }`,
      `  chain ${chain} {`,
      '    ip saddr 10.42.0.2 accept',
      `    ip saddr @${set} accept comment "x/deny ingress[0]"`,
      '    drop',
      '  }',
      `  map ingress-pods { type ipv4_addr : verdict; elements = { 10.42.0.2 : jump ${chain} }; }`,
      '  map egress-pods { type ipv4_addr : verdict; }',
      '  chain forward {',
      '    type filter hook forward priority filter; policy accept;',
      '    ct state established,related accept',
      '    ip saddr vmap @egress-pods',
      '    ip daddr vmap @ingress-pods',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
});

test('renderUpdate: only differences, deletions after nothing refers to them; nothing when unchanged', () => {
  const allowClients = policy('x', 'allow', {
    podSelector: { matchLabels: { app: 'a' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
  });
  const before = compile([allowClients]);
  assert.equal(renderUpdate('T', before, before), '');
  const chainA = before.ingress.get('10.42.0.2') ?? '';
  const set = [...before.peerSets.keys()][0] ?? '';

  // c becomes a client: one set element added, no chain touched.
  const relabelled = pods.map((p) => (p.metadata?.name === 'c' ? pod('x', 'c', '10.42.0.4', { role: 'client' }) : p));
  assert.equal(
    renderUpdate('T', compile([allowClients], { pods: relabelled }), before),
    `add element ip T ${set} { 10.42.0.4 }\n`,
  );

  // The policy now also allows y: a's chain refilled, a new set; b gets isolated by a second policy.
  const both = compile([
    policy('x', 'allow', {
      podSelector: { matchLabels: { app: 'a' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }],
    }),
    policy('x', 'deny-b', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'] }),
  ]);
  const blue = [...both.peerSets.keys()][0] ?? '';
  const chainB = both.egress.get('10.42.0.3') ?? '';
  assert.equal(
    renderUpdate('T', both, before),
    [
      `add set ip T ${blue} { type ipv4_addr; }`,
      `add element ip T ${blue} { 10.42.1.5 }`,
      `flush chain ip T ${chainA}`,
      `add rule ip T ${chainA} ip saddr 10.42.0.2 accept`,
      `add rule ip T ${chainA} ip saddr @${blue} accept comment "x/allow ingress[0]"`,
      `add rule ip T ${chainA} drop`,
      `add chain ip T ${chainB}`,
      `add rule ip T ${chainB} ip daddr 10.42.0.3 return`,
      `add rule ip T ${chainB} drop`,
      `add element ip T egress-pods { 10.42.0.3 : jump ${chainB} }`,
      `delete set ip T ${set}`,
      '',
    ].join('\n'),
  );

  // Back to no policy: map elements first, then chains and sets.
  assert.equal(
    renderUpdate('T', compile([]), both),
    [
      'delete element ip T ingress-pods { 10.42.0.2 }',
      'delete element ip T egress-pods { 10.42.0.3 }',
      `delete chain ip T ${chainA}`,
      `delete chain ip T ${chainB}`,
      `delete set ip T ${blue}`,
      '',
    ].join('\n'),
  );
});
