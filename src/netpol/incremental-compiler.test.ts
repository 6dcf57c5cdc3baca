import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type {
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicyIngressRule,
} from 'kubernetes-types/networking/v1.js';
import { compilePolicies } from './compile.js';
import { IncrementalCompiler } from './incremental-compiler.js';
import { renderTable, renderUpdate } from './render.js';
import { seededRandom } from '../testing/seeded-random.js';

/** A small random world with many collisions: few namespaces, labels, IPs, ports; some IPs shared. */
function world(seed: number) {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const chance = (p: number) => r() < p;
  const NS = ['a', 'b', 'c', 'd'];
  const labels = (): Record<string, string> => {
    const l: Record<string, string> = {};
    for (const k of ['app', 'role', 'team']) if (chance(0.5)) l[k] = pick(['x', 'y', 'z']);
    return l;
  };
  const selector = (): LabelSelector => {
    if (chance(0.25)) return {};
    if (chance(0.3))
      return {
        matchExpressions: [
          {
            key: pick(['app', 'role', 'team']),
            operator: pick(['In', 'NotIn', 'Exists', 'DoesNotExist']),
            values: pick([['x'], ['x', 'y']]),
          },
        ].map((e) =>
          e.operator === 'Exists' || e.operator === 'DoesNotExist' ? { key: e.key, operator: e.operator } : e,
        ),
      };
    return {
      matchLabels: { [pick(['app', 'role', 'team', 'kubernetes.io/metadata.name'])]: pick(['x', 'y', 'a', 'b']) },
    };
  };
  const pod = (ns: string, name: string): Pod => ({
    metadata: { namespace: ns, name, labels: labels() },
    spec: {
      nodeName: pick(['n1', 'n1', 'n2']),
      hostNetwork: chance(0.05) || undefined,
      containers: [
        {
          name: 'c',
          ports: chance(0.6)
            ? [
                {
                  name: pick(['http', 'dns', 'admin']),
                  containerPort: pick([53, 80, 8080]),
                  protocol: pick(['TCP', 'UDP', undefined]),
                },
              ]
            : undefined,
        },
      ],
    },
    status: {
      phase: chance(0.08) ? pick(['Succeeded', 'Failed']) : 'Running',
      podIP: chance(0.05) ? undefined : `10.42.${pick([0, 1])}.${Math.floor(r() * 24)}`,
    },
  });
  const peer = (): NetworkPolicyPeer => {
    const k = r();
    if (k < 0.35) return { podSelector: selector() };
    if (k < 0.6) return { namespaceSelector: selector() };
    if (k < 0.8) return { namespaceSelector: selector(), podSelector: selector() };
    if (k < 0.95)
      return {
        ipBlock: {
          cidr: pick(['10.42.0.0/16', '10.42.1.7/24', '0.0.0.0/0', 'fd00::/8']),
          except: chance(0.5) ? ['10.42.1.0/28'] : undefined,
        },
      };
    return {};
  };
  const port = (): NetworkPolicyPort => {
    const k = r();
    if (k < 0.3) return { protocol: pick(['TCP', 'UDP']), port: pick([53, 80, 8080]) };
    if (k < 0.7) return { protocol: pick(['TCP', 'UDP', undefined]), port: pick(['http', 'dns', 'admin', 'nope']) };
    if (k < 0.85) return { port: 8000, endPort: 8100 };
    return { protocol: pick(['SCTP', 'TCP']) };
  };
  const rule = (): NetworkPolicyIngressRule => ({
    ...(chance(0.8) ? { from: Array.from({ length: 1 + Math.floor(r() * 2) }, peer) } : {}),
    ...(chance(0.5) ? { ports: Array.from({ length: 1 + Math.floor(r() * 2) }, port) } : {}),
  });
  const policy = (ns: string, name: string): NetworkPolicy => {
    const ingress = chance(0.8) ? Array.from({ length: Math.floor(r() * 3) }, rule) : undefined;
    const egress = chance(0.5)
      ? Array.from({ length: Math.floor(r() * 3) }, () => {
          const { from, ...rest } = rule();
          return { ...rest, ...(from ? { to: from } : {}) };
        })
      : undefined;
    return {
      metadata: { namespace: ns, name },
      spec: {
        podSelector: selector(),
        ingress,
        egress,
        policyTypes: chance(0.3) ? pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']]) : undefined,
      },
    };
  };
  const namespace = (name: string): Namespace => ({ metadata: { name, labels: labels() } });
  return { r, pick, chance, NS, pod, policy, namespace };
}

/** An update script with its commands and element lists in a fixed order (maps hand out entries in insertion order). */
function normalized(script: string): string {
  const sortElements = (line: string) =>
    line.replace(
      /^((?:add|delete) element .*?\{ )(.*)( \})$/,
      (_, a: string, els: string, z: string) => a + els.split(', ').sort().join(', ') + z,
    );
  return script.split('\n').map(sortElements).sort().join('\n');
}

const key = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`random changes (seed ${seed}): incremental table == full compile, as rendered text, after every change`, () => {
    const w = world(seed);
    const nodeName = seed % 4 === 0 ? undefined : 'n1';
    const pods = new Map<string, Pod>();
    const policies = new Map<string, NetworkPolicy>();
    const namespaces = new Map<string, Namespace>();
    const inc = new IncrementalCompiler(nodeName);
    let prev = inc.table();
    for (let step = 0; step < 300; step++) {
      const op = w.r();
      const ns = w.pick(w.NS);
      let what: string;
      if (op < 0.45) {
        const name = `p${Math.floor(w.r() * 30)}`;
        const k = `${ns}/${name}`;
        if (pods.has(k) && w.chance(0.25)) {
          pods.delete(k);
          inc.setPod(k, undefined);
          what = `delete pod ${k}`;
        } else {
          const p = w.pod(ns, name);
          pods.set(k, p);
          inc.setPod(k, p);
          what = `set pod ${k}`;
        }
      } else if (op < 0.8) {
        const name = `np${Math.floor(w.r() * 6)}`;
        const k = `${ns}/${name}`;
        if (policies.has(k) && w.chance(0.3)) {
          policies.delete(k);
          inc.setPolicy(k, undefined);
          what = `delete policy ${k}`;
        } else {
          const np = w.policy(ns, name);
          policies.set(k, np);
          inc.setPolicy(k, np);
          what = `set policy ${k}`;
        }
      } else {
        if (namespaces.has(ns) && w.chance(0.3)) {
          namespaces.delete(ns);
          inc.setNamespace(ns, undefined);
          what = `delete namespace ${ns}`;
        } else {
          const n = w.namespace(ns);
          namespaces.set(ns, n);
          inc.setNamespace(ns, n);
          what = `set namespace ${ns}`;
        }
      }
      const full = compilePolicies({
        pods: [...pods.values()],
        policies: [...policies.values()],
        namespaces: [...namespaces.values()],
        nodeName,
      });
      const next = inc.table();
      assert.equal(renderTable('t', next), renderTable('t', full), `seed ${seed} step ${step}: ${what}`);
      // The update script from the previous incremental table is what a full compile would need too.
      assert.equal(
        normalized(renderUpdate('t', next, prev)),
        normalized(renderUpdate('t', full, prev)),
        `seed ${seed} step ${step}: ${what} (update script)`,
      );
      prev = next;
    }
    assert.ok(pods.size > 0 && policies.size > 0);
  });
}

test('the table handed out does not change with later changes; unchanged sets and chains keep their arrays', () => {
  const inc = new IncrementalCompiler('n1');
  const pod = (name: string, ip: string, labels: Record<string, string>): Pod => ({
    metadata: { namespace: 'x', name, labels },
    spec: { nodeName: 'n1', containers: [] },
    status: { phase: 'Running', podIP: ip },
  });
  inc.setPod('x/a', pod('a', '10.42.0.2', { app: 'a' }));
  inc.setPod('x/b', pod('b', '10.42.0.3', { role: 'client' }));
  inc.setPolicy('x/p', {
    metadata: { namespace: 'x', name: 'p' },
    spec: {
      podSelector: { matchLabels: { app: 'a' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
    },
  });
  const before = inc.table();
  const [setName, members] = [...before.peerSets][0] ?? ['', []];
  assert.deepEqual(members, ['10.42.0.3']);
  inc.setPod('x/c', pod('c', '10.42.0.4', { role: 'client' }));
  const after = inc.table();
  assert.deepEqual(before.peerSets.get(setName), ['10.42.0.3']);
  assert.deepEqual(after.peerSets.get(setName), ['10.42.0.3', '10.42.0.4']);
  assert.equal(
    before.chains.get(before.ingress.get('10.42.0.2') ?? ''),
    after.chains.get(after.ingress.get('10.42.0.2') ?? ''),
  );
  // c's own chain: none (no policy selects it); one element added to the set, nothing else.
  assert.equal(renderUpdate('T', after, before), `add element ip T ${setName} { 10.42.0.4 }\n`);
  assert.equal(key(pod('c', '', {})), 'x/c');
});
