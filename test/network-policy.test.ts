/**
 * NetworkPolicy end to end with real containers and real nftables: a server + in-process agent
 * (test/helpers/real-node.ts: own bridge, own pod /24, own tables `flotilla-proxy-<bridge>` and
 * `flotilla-netpol-<bridge>`).
 * Namespace x holds server pod a (httpd on 8080 "http" and 9090 "admin", behind Service a) and
 * client pods b (role=client) and c (role=other); namespace y holds d (role=client too). Clients
 * connect from inside their pod's network namespace (nsenter + curl), so the source is the pod IP.
 * Policies are applied with the real kubectl. Runs as root; removes tables, route, bridge.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { deleteTable } from '../src/proxy/index.js';
import { deleteNetworkPolicyTable } from '../src/netpol/index.js';
import type { TestServer } from './helpers/cluster.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { until } from './helpers/wait-until.js';

let node: RealNode | undefined;
let server: TestServer;
let dataDir = '';
let BRIDGE = '';
let PROXY_TABLE = '';
let TABLE = '';
let clusterIP = '';

before(async () => {
  node = await startRealNode({ name: 'netpol-test' });
  ({ server, dataDir, bridge: BRIDGE } = node);
  PROXY_TABLE = `flotilla-proxy-${BRIDGE}`;
  TABLE = `flotilla-netpol-${BRIDGE}`;
});

after(async () => {
  if (clusterIP) await runCommand('ip', ['route', 'del', `${clusterIP}/32`], { allowFailure: true });
  await node?.agent.stop();
  if (TABLE) await deleteNetworkPolicyTable(TABLE);
  if (PROXY_TABLE) await deleteTable(PROXY_TABLE);
  await node?.stop();
});

const sleeper = (ns: string, name: string, labels: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: '${ns}', labels: { ${labels} } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - { name: c, image: busybox, command: ['sleep', '3600'] }
`;

const PODS = `
apiVersion: v1
kind: Namespace
metadata: { name: x }
---
apiVersion: v1
kind: Namespace
metadata: { name: 'y' }
---
apiVersion: v1
kind: Pod
metadata: { name: a, namespace: x, labels: { app: server } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox
    command: ['sh', '-c', 'mkdir /www; echo ok > /www/index.html; httpd -p 9090 -h /www; exec httpd -f -p 8080 -h /www']
    ports: [{ name: http, containerPort: 8080 }, { name: admin, containerPort: 9090 }]
---
apiVersion: v1
kind: Service
metadata: { name: a, namespace: x }
spec:
  selector: { app: server }
  ports: [{ port: 80, targetPort: http }]
---${sleeper('x', 'b', 'role: client, pod: b')}---${sleeper('x', 'c', 'role: other')}---${sleeper('y', 'd', 'role: client')}`;

const DENY_ALL = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-all, namespace: x }
spec:
  podSelector: { matchLabels: { app: server } }
  policyTypes: [Ingress]
`;
const ALLOW_CLIENTS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-clients, namespace: x }
spec:
  podSelector: { matchLabels: { app: server } }
  ingress:
  - from: [{ podSelector: { matchLabels: { role: client } } }]
`;
const ALLOW_Y_HTTP = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-y-http, namespace: x }
spec:
  podSelector: { matchLabels: { app: server } }
  ingress:
  - from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: 'y' } } }]
    ports: [{ port: http }]
`;
const B_NO_EGRESS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: b-no-egress, namespace: x }
spec:
  podSelector: { matchLabels: { pod: b } }
  policyTypes: [Egress]
`;

interface PodInfo {
  uid: string;
  ip: string;
}
const pods = new Map<string, PodInfo>();

/** Whether `from` (a pod name) gets an HTTP answer from `to:port` (TCP connect timeout 1 s: a dropped SYN). */
async function reaches(from: string, to: string, port: number): Promise<boolean> {
  const p = pods.get(from);
  assert.ok(p, from);
  const r = await runCommand(
    'nsenter',
    [
      `--net=${join(dataDir, 'ns', `${p.uid}-net`)}`,
      'curl',
      '-s',
      '--noproxy',
      '*',
      '--connect-timeout',
      '1',
      '-m',
      '3',
      `http://${to}:${port}/`,
    ],
    { allowFailure: true },
  );
  if (r.code !== 0 && r.code !== 28)
    throw new Error(`curl from ${from} to ${to}:${port} exited ${r.code}: ${r.stderr}`);
  return r.code === 0 && r.stdout.trim() === 'ok';
}

/** Polls until the whole matrix of `[from, port, reachable]` holds at once (policies apply asynchronously). */
async function expectMatrix(
  what: string,
  to: () => string,
  cases: [string, number, boolean][],
  timeoutMs = 30_000,
): Promise<void> {
  let last = '';
  await until(
    what,
    async () => {
      const got = await Promise.all(cases.map(([from, port]) => reaches(from, to(), port)));
      const bad = cases.filter((c, i) => got[i] !== c[2]);
      last = bad.map(([from, port, want]) => `${from}->${to()}:${port} want ${want ? 'open' : 'blocked'}`).join(', ');
      return bad.length === 0;
    },
    { timeoutMs, intervalMs: 300, describe: () => last },
  );
}

async function kubectlApply(manifest: string): Promise<void> {
  const r = await server.kubectl(['apply', '-f', '-'], { stdin: manifest });
  assert.equal(r.code, 0, r.stderr);
}

const aIP = () => pods.get('a')?.ip ?? '';

test('pods x/a, x/b, x/c, y/d run; with no policy every client reaches a on both ports and through the Service', async () => {
  await kubectlApply(PODS);
  for (const ns of ['x', 'y']) {
    const w = await server.kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod', '--all', '--timeout=90s']);
    assert.equal(w.code, 0, w.stderr);
  }
  for (const ns of ['x', 'y']) {
    const r = await server.kubectl([
      'get',
      'pods',
      '-n',
      ns,
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.status.podIP}{"\\n"}{end}',
    ]);
    for (const line of r.stdout.trim().split('\n')) {
      const [name, uid, ip] = line.split(' ');
      if (name && uid && ip) pods.set(name, { uid, ip });
    }
  }
  assert.deepEqual([...pods.keys()].sort(), ['a', 'b', 'c', 'd']);
  clusterIP = (
    await server.kubectl(['get', 'service', 'a', '-n', 'x', '-o', 'jsonpath={.spec.clusterIP}'])
  ).stdout.trim();
  assert.match(clusterIP, /^10\.43\./);
  // The host may hold the 10.43.0.0/16 blackhole of a `flotilla up`: route this ClusterIP to our bridge (as proxy-clusterip does).
  await runCommand('ip', ['route', 'replace', `${clusterIP}/32`, 'dev', BRIDGE]);

  const table = await runCommand('nft', ['list', 'table', 'ip', TABLE]);
  assert.match(table.stdout, /hook forward priority filter/);
  await expectMatrix('no policy', aIP, [
    ['b', 8080, true],
    ['c', 8080, true],
    ['d', 8080, true],
    ['b', 9090, true],
    ['d', 9090, true],
  ]);
  await expectMatrix('no policy, through the Service', () => clusterIP, [
    ['b', 80, true],
    ['c', 80, true],
  ]);
});

test('default-deny ingress on a blocks every client', async () => {
  await kubectlApply(DENY_ALL);
  const t0 = performance.now();
  await expectMatrix('deny-all', aIP, [
    ['b', 8080, false],
    ['c', 8080, false],
    ['d', 8080, false],
    ['b', 9090, false],
  ]);
  process.stdout.write(`# deny-all applied and effective in ${Math.round(performance.now() - t0)} ms\n`);
  const map = await runCommand('nft', ['list', 'map', 'ip', TABLE, 'ingress-pods']);
  assert.match(map.stdout, new RegExp(`${aIP().replace(/\./g, '\\.')} : jump ing-`));
  await expectMatrix('deny-all, through the Service', () => clusterIP, [['b', 80, false]]);
});

test('a podSelector rule lets role=client of the same namespace in (b), not c nor y/d', async () => {
  await kubectlApply(ALLOW_CLIENTS);
  await expectMatrix('allow-clients', aIP, [
    ['b', 8080, true],
    ['b', 9090, true],
    ['c', 8080, false],
    ['d', 8080, false],
  ]);
  // Through the ClusterIP: rules are evaluated after the proxy's DNAT, on the real client address.
  await expectMatrix('allow-clients, through the Service', () => clusterIP, [
    ['b', 80, true],
    ['c', 80, false],
  ]);
});

test('a namespaceSelector rule on the named port lets y/d in on http (8080) only', async () => {
  await kubectlApply(ALLOW_Y_HTTP);
  await expectMatrix('allow-y-http', aIP, [
    ['d', 8080, true],
    ['d', 9090, false],
    ['c', 8080, false],
    ['b', 9090, true],
  ]);
  const chain = (await runCommand('nft', ['list', 'table', 'ip', TABLE])).stdout;
  assert.match(chain, /tcp dport 8080 accept comment "x\/allow-y-http ingress\[0\]"/);
});

test('an egress policy without rules on b blocks b -> a; others keep their access', async () => {
  await kubectlApply(B_NO_EGRESS);
  await expectMatrix('b-no-egress', aIP, [
    ['b', 8080, false],
    ['b', 9090, false],
    ['d', 8080, true],
  ]);
});

test('deleting the policies restores access; stopping the agent deletes the table', async () => {
  const r = await server.kubectl(['delete', 'networkpolicy', '--all', '-n', 'x']);
  assert.equal(r.code, 0, r.stderr);
  await expectMatrix('no policy again', aIP, [
    ['b', 8080, true],
    ['c', 8080, true],
    ['d', 8080, true],
    ['d', 9090, true],
    ['c', 9090, true],
  ]);
  const map = await runCommand('nft', ['list', 'map', 'ip', TABLE, 'ingress-pods']);
  assert.doesNotMatch(map.stdout, /jump/);
  await node?.agent.stop();
  const gone = await runCommand('nft', ['list', 'table', 'ip', TABLE], { allowFailure: true });
  assert.notEqual(gone.code, 0, 'table removed when the agent stops');
});
