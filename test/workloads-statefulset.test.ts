/**
 * StatefulSets driven by the real kubectl against a real `flotilla server` (controllers and
 * scheduler inside) with 3 hollow nodes in the test process: ordered start (web-1 is created only
 * once web-0 is Ready), stable identity and claims, scale down from the highest ordinal, a
 * template change rolled out from the highest ordinal with the partition respected, and
 * `kubectl rollout status sts/web`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeClient } from '../src/machinery/client/index.js';
import type { KubeObject } from '../src/api/object.js';
import type { TestServer } from './helpers/cluster.js';
import { startHollowCluster, type HollowCluster } from './helpers/hollow-cluster.js';
import { PODS, PVCS } from '../src/machinery/resources/well-known.js';
import { quietPeriod, untilWith } from './helpers/wait-until.js';

let server: TestServer;
let client: KubeClient;
let cluster: HollowCluster | undefined;

before(async () => {
  cluster = await startHollowCluster({ count: 3, namePrefix: 'sts-node-' });
  ({ server, client } = cluster);
});

after(async () => {
  await cluster?.stop();
});

const until = untilWith({ timeoutMs: 20_000 });

async function kubectl(...args: string[]): Promise<string> {
  const r = await server.kubectl(args, { timeoutMs: 40_000 });
  if (r.code !== 0) {
    const state = await server.kubectl(['get', 'sts,pods,controllerrevisions', '-o', 'wide']);
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

const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function webPods(): Promise<(KubeObject & Pod)[]> {
  const list = await client.list<KubeObject & Pod>(PODS, 'default', { labelSelector: 'app=web' });
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

const MANIFEST = (image: string) => `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: ${image}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

test('kubectl drives a StatefulSet: ordered start, identity, claims, scale down, partitioned rolling update, rollout status', async () => {
  // Watch the pods as they appear: record each creation together with the readiness of the others.
  const seen: { name: string; readyBefore: string[] }[] = [];
  const readyNow = new Set<string>();
  const watch = client.watch<KubeObject & Pod>(PODS, 'default', { labelSelector: 'app=web' }, (ev) => {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
    const name = ev.object.metadata.name ?? '';
    if (ev.type === 'ADDED') seen.push({ name, readyBefore: [...readyNow].sort() });
    if (ready(ev.object)) readyNow.add(name);
  });
  try {
    await server
      .kubectl(['apply', '-f', '-'], { stdin: MANIFEST('busybox:1') })
      .then((r) => assert.equal(r.code, 0, r.stderr));
    assert.match(
      await kubectl('rollout', 'status', 'sts/web', '--timeout=30s'),
      /partitioned roll out complete|rolling update complete 3 pods at revision web-\w+/,
    );
    assert.deepEqual(
      seen.map((s) => s.name),
      ['web-0', 'web-1', 'web-2'],
      'created in ordinal order',
    );
    assert.deepEqual(seen[1].readyBefore, ['web-0'], 'web-1 created only after web-0 was Ready');
    assert.deepEqual(seen[2].readyBefore, ['web-0', 'web-1'], 'web-2 created only after web-1 was Ready');
  } finally {
    watch.stop();
  }

  const pods = await webPods();
  const nodes = new Set<string>();
  for (const [i, p] of pods.entries()) {
    assert.equal(p.metadata.name, `web-${i}`);
    assert.equal(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], `web-${i}`);
    assert.equal(p.metadata.labels?.['apps.kubernetes.io/pod-index'], String(i));
    assert.match(p.metadata.labels?.['controller-revision-hash'] ?? '', /^web-\w+$/);
    assert.equal(p.spec?.hostname, `web-${i}`);
    assert.equal(p.spec?.subdomain, 'web');
    assert.deepEqual(p.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, {
      claimName: `data-web-${i}`,
    });
    assert.equal(p.status?.phase, 'Running');
    nodes.add(p.spec?.nodeName ?? '');
  }
  assert.ok(
    [...nodes].every((n) => n.startsWith('sts-node-')),
    'bound to hollow nodes',
  );
  const claims = await client.list(PVCS, 'default');
  assert.deepEqual(claims.items.map((c) => c.metadata.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
  assert.match(await kubectl('get', 'sts', 'web'), /web\s+3\/3\s/);
  const firstRevision = pods[0].metadata.labels?.['controller-revision-hash'];
  assert.match(
    await kubectl('get', 'controllerrevisions'),
    new RegExp(`${firstRevision}\\s+statefulset.apps/web\\s+1\\s`),
  );

  // Scale down: the highest ordinal goes; its claim stays (whenScaled: Retain).
  await kubectl('scale', 'sts/web', '--replicas=2');
  await until(
    'web-2 gone',
    async () => JSON.stringify((await webPods()).map((p) => p.metadata.name)) === '["web-0","web-1"]',
  );
  await kubectl('rollout', 'status', 'sts/web', '--timeout=30s');
  assert.equal((await client.list(PVCS, 'default')).items.length, 3, 'claims retained on scale down');
  await kubectl('scale', 'sts/web', '--replicas=3');
  await kubectl('rollout', 'status', 'sts/web', '--timeout=30s');

  // A template change with partition 2: only web-2 is replaced.
  await kubectl(
    'patch',
    'sts/web',
    '-p',
    '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}',
  );
  await kubectl('set', 'image', 'sts/web', 'c=busybox:2');
  assert.match(
    await kubectl('rollout', 'status', 'sts/web', '--timeout=30s'),
    /partitioned roll out complete: 1 new pods have been updated/,
  );
  const images = async () => (await webPods()).map((p) => `${p.metadata.name}=${p.spec?.containers[0]?.image}`);
  await until(
    'web-2 on busybox:2',
    async () => JSON.stringify(await images()) === '["web-0=busybox:1","web-1=busybox:1","web-2=busybox:2"]',
  );
  await quietPeriod(500, 'no ordinal below the partition is updated');
  assert.deepEqual(
    await images(),
    ['web-0=busybox:1', 'web-1=busybox:1', 'web-2=busybox:2'],
    'ordinals below the partition keep the old revision',
  );

  // Partition 0: the rest roll from the highest ordinal down, one at a time.
  const deletions: string[] = [];
  const watch2 = client.watch<KubeObject & Pod>(PODS, 'default', { labelSelector: 'app=web' }, (ev) => {
    if (ev.type === 'DELETED') deletions.push(ev.object.metadata.name ?? '');
  });
  try {
    await kubectl('patch', 'sts/web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}');
    // As on Kubernetes: with spec.updateStrategy.rollingUpdate set (defaulted), kubectl reports a partitioned roll out.
    assert.match(
      await kubectl('rollout', 'status', 'sts/web', '--timeout=30s'),
      /partitioned roll out complete: 3 new pods have been updated/,
    );
    await until(
      'all on busybox:2',
      async () => JSON.stringify(await images()) === '["web-0=busybox:2","web-1=busybox:2","web-2=busybox:2"]',
    );
    assert.deepEqual(deletions, ['web-1', 'web-0'], 'replaced from the highest ordinal down');
  } finally {
    watch2.stop();
  }
  const sts = JSON.parse(await kubectl('get', 'sts', 'web', '-o', 'json')) as {
    metadata: { generation: number };
    status: Record<string, unknown>;
  };
  assert.equal(sts.status.observedGeneration, sts.metadata.generation);
  assert.equal(sts.status.currentRevision, sts.status.updateRevision);
  assert.deepEqual(
    [
      sts.status.replicas,
      sts.status.readyReplicas,
      sts.status.currentReplicas,
      sts.status.updatedReplicas,
      sts.status.availableReplicas,
    ],
    [3, 3, 3, 3, 3],
  );
  const revisions = await kubectl(
    'get',
    'controllerrevisions',
    '-o',
    'custom-columns=NAME:.metadata.name,REV:.revision',
    '--no-headers',
  );
  assert.equal(revisions.trim().split('\n').length, 2);
  assert.match(
    await kubectl('get', 'events', '--field-selector', 'involvedObject.kind=StatefulSet'),
    /create Pod web-0 in StatefulSet web successful/,
  );

  // History and undo read the ControllerRevisions.
  assert.match(await kubectl('rollout', 'history', 'sts/web'), /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  assert.match(await kubectl('rollout', 'undo', 'sts/web'), /rolled back/);
  await kubectl('rollout', 'status', 'sts/web', '--timeout=30s');
  await until(
    'back on busybox:1',
    async () => JSON.stringify(await images()) === '["web-0=busybox:1","web-1=busybox:1","web-2=busybox:1"]',
  );
  assert.match(await kubectl('rollout', 'history', 'sts/web'), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
});
