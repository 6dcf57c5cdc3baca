/**
 * DaemonSets driven by the real kubectl against a real `flotilla server` (controllers and
 * scheduler inside) with hollow nodes in the test process: one pod on each of 3 nodes, pinned by
 * node affinity and bound by the scheduler, with the default daemon tolerations; a 4th node gets
 * its pod; `kubectl set image` rolls out one node at a time and `kubectl rollout status ds/x`
 * succeeds (maxUnavailable 1, then maxSurge 1); history and undo; a deleted node loses its pod.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createClient, type KubeClient } from '../src/machinery/client/index.js';
import { HollowNodes } from '../src/agent/hollow/index.js';
import type { KubeObject } from '../src/api/object.js';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { hollowNodeClient } from './helpers/hollow-cluster.js';
import { untilWith } from './helpers/wait-until.js';
import { NODES, PODS } from '../src/machinery/resources/well-known.js';

let server: TestServer;
let client: KubeClient;
const hollows: HollowNodes[] = [];
const log = pino({ level: 'warn' });

function hollowNodes(count: number, firstIndex: number): HollowNodes {
  const h = new HollowNodes({
    client,
    clientFor: (name) => hollowNodeClient(client, name),
    log,
    count,
    firstIndex,
    namePrefix: 'ds-node-',
    leaseRenewIntervalMs: 1000,
    statusSyncIntervalMs: 1000,
  });
  hollows.push(h);
  return h;
}

before(async () => {
  server = await startTestServer({ datastore: 'memory' });
  client = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  const h = hollowNodes(3, 0);
  await h.registerAll();
  h.start();
});

after(async () => {
  for (const h of hollows) await h.stop();
  await client?.close();
  await server?.stop();
});

const until = untilWith({ timeoutMs: 20_000 });

async function kubectl(...args: string[]): Promise<string> {
  const r = await server.kubectl(args, { timeoutMs: 40_000 });
  if (r.code !== 0) {
    const state = await server.kubectl(['get', 'ds,pods,controllerrevisions', '-o', 'wide']);
    const logs = server
      .output()
      .stderr.split('\n')
      .filter((l) => /"level":(4|5)0/.test(l))
      .slice(-20)
      .join('\n');
    assert.fail(`kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}\n--- state\n${state.stdout}\n--- warnings\n${logs}`);
  }
  return r.stdout;
}

async function agentPods(): Promise<(KubeObject & Pod)[]> {
  const list = await client.list<KubeObject & Pod>(PODS, 'default', { labelSelector: 'app=agent' });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

/** node -> image of its running pods, e.g. `ds-node-0=busybox:1`, sorted. */
async function placement(): Promise<string[]> {
  return (await agentPods())
    .filter((p) => p.status?.phase === 'Running')
    .map((p) => `${p.spec?.nodeName}=${p.spec?.containers[0]?.image}`)
    .sort();
}

const MANIFEST = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: c
        image: busybox:1
`;

test('kubectl drives a DaemonSet: one pod per node, a new node gets one, set image + rollout status, a deleted node loses its pod', async () => {
  await server.kubectl(['apply', '-f', '-'], { stdin: MANIFEST }).then((r) => assert.equal(r.code, 0, r.stderr));
  assert.match(
    await kubectl('rollout', 'status', 'ds/agent', '--timeout=30s'),
    /daemon set "agent" successfully rolled out/,
  );
  assert.deepEqual(await placement(), ['ds-node-0=busybox:1', 'ds-node-1=busybox:1', 'ds-node-2=busybox:1']);
  const [pod] = await agentPods();
  assert.deepEqual(
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec?.nodeName] }] }],
  );
  assert.deepEqual(pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`).sort(), [
    'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule',
    'node.kubernetes.io/not-ready:NoExecute',
    'node.kubernetes.io/pid-pressure:NoSchedule',
    'node.kubernetes.io/unreachable:NoExecute',
    'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  assert.match(pod.metadata.labels?.['controller-revision-hash'] ?? '', /^\w+$/);
  assert.ok(pod.metadata.labels?.['pod-template-generation']);
  assert.match(await kubectl('get', 'ds', 'agent'), /agent\s+3\s+3\s+3\s+3\s+3\s+<none>/);

  // A 4th node joins: it gets its own pod.
  const fourth = hollowNodes(1, 3);
  await fourth.registerAll();
  fourth.start();
  await until('a pod on ds-node-3', async () => (await placement()).length === 4);
  assert.deepEqual(await placement(), [
    'ds-node-0=busybox:1',
    'ds-node-1=busybox:1',
    'ds-node-2=busybox:1',
    'ds-node-3=busybox:1',
  ]);
  await kubectl('rollout', 'status', 'ds/agent', '--timeout=30s');

  // set image: each node's pod is replaced (maxUnavailable 1: never two nodes without a ready pod), then rollout status succeeds.
  const readyByNode = new Map<string, Set<string>>();
  for (const p of await agentPods()) readyByNode.set(p.spec?.nodeName ?? '', new Set([p.metadata.name ?? '']));
  let maxUnready = 0;
  const watch = client.watch<KubeObject & Pod>(
    PODS,
    'default',
    { labelSelector: 'app=agent', resourceVersion: (await client.list(PODS, 'default')).metadata.resourceVersion },
    (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
      const p = ev.object;
      const node = p.spec?.nodeName;
      if (!node || !readyByNode.has(node)) return;
      const isReady =
        ev.type !== 'DELETED' &&
        !p.metadata.deletionTimestamp &&
        (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
      const set = readyByNode.get(node) as Set<string>;
      if (isReady) set.add(p.metadata.name ?? '');
      else set.delete(p.metadata.name ?? '');
      maxUnready = Math.max(maxUnready, [...readyByNode.values()].filter((s) => s.size === 0).length);
    },
  );
  try {
    await kubectl('set', 'image', 'ds/agent', 'c=busybox:2');
    assert.match(
      await kubectl('rollout', 'status', 'ds/agent', '--timeout=30s'),
      /daemon set "agent" successfully rolled out/,
    );
  } finally {
    watch.stop();
  }
  assert.equal(maxUnready, 1, 'one node at a time');
  await until(
    'every node on busybox:2',
    async () =>
      JSON.stringify(await placement()) ===
      JSON.stringify(['ds-node-0=busybox:2', 'ds-node-1=busybox:2', 'ds-node-2=busybox:2', 'ds-node-3=busybox:2']),
  );
  const ds = JSON.parse(await kubectl('get', 'ds', 'agent', '-o', 'json')) as {
    metadata: { generation: number };
    status: Record<string, number>;
  };
  assert.equal(ds.status.observedGeneration, ds.metadata.generation);
  assert.deepEqual(
    [
      ds.status.desiredNumberScheduled,
      ds.status.currentNumberScheduled,
      ds.status.numberReady,
      ds.status.numberAvailable,
      ds.status.updatedNumberScheduled,
      ds.status.numberMisscheduled,
    ],
    [4, 4, 4, 4, 4, 0],
  );
  const revisions = await kubectl(
    'get',
    'controllerrevisions',
    '-o',
    'custom-columns=NAME:.metadata.name,REV:.revision',
    '--no-headers',
  );
  assert.deepEqual(
    revisions
      .trim()
      .split('\n')
      .map((l) => l.replace(/^agent-\w+\s+/, ''))
      .sort(),
    ['1', '2'],
  );

  // History and undo read the ControllerRevisions.
  assert.match(await kubectl('rollout', 'history', 'ds/agent'), /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  assert.match(await kubectl('rollout', 'undo', 'ds/agent'), /rolled back/);
  await kubectl('rollout', 'status', 'ds/agent', '--timeout=30s');
  await until(
    'back on busybox:1',
    async () =>
      JSON.stringify(await placement()) ===
      JSON.stringify(['ds-node-0=busybox:1', 'ds-node-1=busybox:1', 'ds-node-2=busybox:1', 'ds-node-3=busybox:1']),
  );

  // maxSurge 1, maxUnavailable 0: a new pod starts beside the old one; no node is ever without a ready pod.
  for (const n of readyByNode.keys()) readyByNode.set(n, new Set());
  for (const p of await agentPods()) readyByNode.get(p.spec?.nodeName ?? '')?.add(p.metadata.name ?? '');
  maxUnready = 0;
  let maxPerNode = 0;
  const watch2 = client.watch<KubeObject & Pod>(
    PODS,
    'default',
    { labelSelector: 'app=agent', resourceVersion: (await client.list(PODS, 'default')).metadata.resourceVersion },
    (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
      const p = ev.object;
      const node = p.spec?.nodeName;
      if (!node || !readyByNode.has(node)) return;
      const isReady =
        ev.type !== 'DELETED' &&
        !p.metadata.deletionTimestamp &&
        (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
      const set = readyByNode.get(node) as Set<string>;
      if (isReady) set.add(p.metadata.name ?? '');
      else set.delete(p.metadata.name ?? '');
      maxUnready = Math.max(maxUnready, [...readyByNode.values()].filter((x) => x.size === 0).length);
      maxPerNode = Math.max(maxPerNode, ...[...readyByNode.values()].map((x) => x.size));
    },
  );
  try {
    await kubectl(
      'patch',
      'ds/agent',
      '-p',
      '{"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}',
    );
    await kubectl('set', 'image', 'ds/agent', 'c=busybox:3');
    await kubectl('rollout', 'status', 'ds/agent', '--timeout=30s');
    await until(
      'every node on busybox:3',
      async () =>
        JSON.stringify(await placement()) ===
        JSON.stringify(['ds-node-0=busybox:3', 'ds-node-1=busybox:3', 'ds-node-2=busybox:3', 'ds-node-3=busybox:3']),
    );
  } finally {
    watch2.stop();
  }
  assert.equal(maxUnready, 0, 'surge: every node kept a ready pod');
  assert.equal(maxPerNode, 2, 'surge: old and new pod side by side');

  // The 4th node goes away: its pod goes too.
  await fourth.stop();
  await client.delete(NODES, '', 'ds-node-3');
  await until('pod of ds-node-3 gone', async () => (await agentPods()).length === 3);
  await kubectl('rollout', 'status', 'ds/agent', '--timeout=30s');
  assert.match(
    await kubectl('get', 'events', '--field-selector', 'involvedObject.kind=DaemonSet'),
    /SuccessfulCreate\s+daemonset\/agent\s+Created pod: agent-\w+/,
  );
});
