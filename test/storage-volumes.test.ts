/**
 * Storage driven by the real kubectl against a real `flotilla server` with 2 hollow nodes: the
 * default StorageClass `local-path`; a PVC + a pod using it → a PV provisioned on the pod's node
 * (nodeAffinity), both Bound, `kubectl get pvc,pv` columns; deleting the PVC deletes the PV
 * (reclaim policy Delete); a static PV bound to a claim by class, size and access modes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../src/machinery/client/index.js';
import type { ResourceType } from '../src/api/resource-type.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import type { TestServer } from './helpers/cluster.js';
import { startHollowCluster, type HollowCluster } from './helpers/hollow-cluster.js';
import { PODS, PVCS, PVS } from '../src/machinery/resources/well-known.js';
import { quietPeriod, untilWith } from './helpers/wait-until.js';

let server: TestServer;
let client: KubeClient;
let cluster: HollowCluster | undefined;

before(async () => {
  cluster = await startHollowCluster({ count: 2, namePrefix: 'st-node-' });
  ({ server, client } = cluster);
});

after(async () => {
  await cluster?.stop();
});

const until = untilWith({
  timeoutMs: 20_000,
  describe: async () => {
    const state = await server.kubectl(['get', 'pvc,pv,pods', '-o', 'wide', '-A']);
    return state.stdout + state.stderr;
  },
});

async function kubectl(...args: string[]): Promise<string> {
  const r = await server.kubectl(args, { timeoutMs: 40_000 });
  if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const get = async <T>(rt: ResourceType, ns: string, name: string): Promise<(KubeObject & T) | undefined> => {
  try {
    return await client.get<KubeObject & T>(rt, ns, name);
  } catch {
    return undefined;
  }
};

/** `kubectl get` rows as header-keyed records, cut at the header's column offsets (empty cells kept). */
function table(out: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  let cols: { name: string; at: number }[] = [];
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    if (line.startsWith('NAME')) {
      cols = [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
      continue;
    }
    rows.push(
      Object.fromEntries(cols.map((c, i) => [c.name, line.slice(c.at, cols[i + 1]?.at ?? line.length).trim()])),
    );
  }
  return rows;
}

test('the default StorageClass local-path exists', async () => {
  const out = await kubectl('get', 'storageclass');
  assert.match(out, /^local-path \(default\)\s+flotilla\.dev\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/m);
});

async function apply(manifest: string): Promise<void> {
  const r = await server.kubectl(['apply', '-f', '-'], { stdin: manifest, timeoutMs: 40_000 });
  if (r.code !== 0) assert.fail(`kubectl apply: ${r.stderr}${r.stdout}`);
}

test("PVC + pod: provisioned on the pod's node, Bound both ways; deleting the PVC deletes the PV", async () => {
  await apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: local-path
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 128Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers: [{name: c, image: busybox, command: [sleep, "3600"], volumeMounts: [{name: v, mountPath: /data}]}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: data}}]
`);
  const pod = await until('the pod scheduled', async () => {
    const p = await get<Pod>(PODS, 'default', 'app');
    return p?.spec?.nodeName ? p : undefined;
  });
  const claim = await until('the claim Bound', async () => {
    const c = await get<PersistentVolumeClaim>(PVCS, 'default', 'data');
    return c?.status?.phase === 'Bound' ? c : undefined;
  });
  const pvName = `pvc-${claim.metadata.uid ?? ''}`;
  assert.equal(claim.spec?.volumeName, pvName);
  assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(claim.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'flotilla.dev/local-path');
  const pv = await until('the PV Bound', async () => {
    const v = await get<PersistentVolume>(PVS, '', pvName);
    return v?.status?.phase === 'Bound' ? v : undefined;
  });
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
    { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [pod.spec?.nodeName] }] },
  ]);
  assert.match(pv.spec?.hostPath?.path ?? '', new RegExp(`/storage/${claim.metadata.uid ?? ''}$`));
  assert.equal(pv.spec?.claimRef?.uid, claim.metadata.uid);

  const rows = table(await kubectl('get', 'pvc,pv'));
  const pvcRow = rows.find((r) => r.NAME === 'persistentvolumeclaim/data');
  assert.deepEqual(
    pvcRow && [pvcRow.STATUS, pvcRow.VOLUME, pvcRow.CAPACITY, pvcRow['ACCESS MODES'], pvcRow.STORAGECLASS],
    ['Bound', pvName, '128Mi', 'RWO', 'local-path'],
  );
  const pvRow = rows.find((r) => r.NAME === `persistentvolume/${pvName}`);
  assert.deepEqual(
    pvRow && [
      pvRow.CAPACITY,
      pvRow['ACCESS MODES'],
      pvRow['RECLAIM POLICY'],
      pvRow.STATUS,
      pvRow.CLAIM,
      pvRow.STORAGECLASS,
    ],
    ['128Mi', 'RWO', 'Delete', 'Bound', 'default/data', 'local-path'],
  );

  await kubectl('delete', 'pod', 'app', '--wait=false');
  await kubectl('delete', 'pvc', 'data', '--wait=false');
  await until('the PV deleted', async () => (await get<PersistentVolume>(PVS, '', pvName)) === undefined);
});

test('a static PV binds to the claim that fits (class, size, access modes); Retain leaves it Released', async () => {
  await apply(`
apiVersion: v1
kind: PersistentVolume
metadata: {name: static-small}
spec: {storageClassName: manual, capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /tmp/static-small}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: static-big}
spec: {storageClassName: manual, capacity: {storage: 5Gi}, accessModes: [ReadWriteOnce, ReadOnlyMany], hostPath: {path: /tmp/static-big}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: manual-claim}
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 512Mi}}
`);
  await until(
    'the claim Bound',
    async () => (await get<PersistentVolumeClaim>(PVCS, 'default', 'manual-claim'))?.status?.phase === 'Bound',
  );
  const rows = table(await kubectl('get', 'pvc,pv'));
  const pvcRow = rows.find((r) => r.NAME === 'persistentvolumeclaim/manual-claim');
  assert.deepEqual(
    pvcRow && [pvcRow.STATUS, pvcRow.VOLUME, pvcRow.CAPACITY, pvcRow['ACCESS MODES'], pvcRow.STORAGECLASS],
    ['Bound', 'static-small', '1Gi', 'RWO', 'manual'],
  );
  const big = rows.find((r) => r.NAME === 'persistentvolume/static-big');
  assert.deepEqual(big && [big.STATUS, big.CLAIM], ['Available', '']);
  const small = rows.find((r) => r.NAME === 'persistentvolume/static-small');
  assert.deepEqual(small && [small['RECLAIM POLICY'], small.STATUS, small.CLAIM], [
    'Retain',
    'Bound',
    'default/manual-claim',
  ]);
  const pv = await get<PersistentVolume>(PVS, '', 'static-small');
  assert.equal(pv?.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');

  await kubectl('delete', 'pvc', 'manual-claim');
  await until(
    'the PV Released',
    async () => (await get<PersistentVolume>(PVS, '', 'static-small'))?.status?.phase === 'Released',
  );
});

test('a claim without storageClassName uses the default class local-path', async () => {
  await apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: plain}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: plain-user}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: plain}}]
`);
  const claim = await until('the claim Bound', async () => {
    const c = await get<PersistentVolumeClaim>(PVCS, 'default', 'plain');
    return c?.status?.phase === 'Bound' ? c : undefined;
  });
  const pv = await get<PersistentVolume>(PVS, '', claim.spec?.volumeName ?? '');
  assert.equal(pv?.spec?.storageClassName, 'local-path');
  // The retroactive default class (Kubernetes 1.28+): the controller writes it into the claim.
  assert.equal(claim.spec?.storageClassName, 'local-path');
});

test("VolumeBinding: the claim gets the scheduler's selected node; later pods of a bound local claim land on its node; a pod of a missing claim waits", async () => {
  await apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared}
spec: {storageClassName: local-path, accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: first}
spec:
  containers: [{name: c, image: busybox, resources: {requests: {cpu: 500m}}}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: shared}}]
`);
  const first = await until('first scheduled', async () => {
    const p = await get<Pod>(PODS, 'default', 'first');
    return p?.spec?.nodeName ? p : undefined;
  });
  const claim = await get<PersistentVolumeClaim>(PVCS, 'default', 'shared');
  assert.equal(claim?.metadata.annotations?.['volume.kubernetes.io/selected-node'], first.spec?.nodeName);
  assert.ok(claim?.spec?.volumeName, 'bound before the pod was bound (PreBind waits)');
  // LeastAllocated alone would send these to the emptier node; the volume's nodeAffinity must win.
  for (const name of ['second', 'third']) {
    await apply(`
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: shared}}]
`);
    const p = await until(`${name} scheduled`, async () => {
      const x = await get<Pod>(PODS, 'default', name);
      return x?.spec?.nodeName ? x : undefined;
    });
    assert.equal(p.spec?.nodeName, first.spec?.nodeName);
  }
  await apply(`
apiVersion: v1
kind: Pod
metadata: {name: orphan-claim}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: nowhere}}]
`);
  const events = await until('FailedScheduling', async () => {
    const out = await kubectl(
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=orphan-claim',
      '-o',
      'jsonpath={.items[*].message}',
    );
    return out.includes('persistentvolumeclaim "nowhere" not found') ? out : undefined;
  });
  assert.match(events, /0\/2 nodes are available: persistentvolumeclaim "nowhere" not found/);
  await kubectl('delete', 'pod', 'first', 'second', 'third', 'orphan-claim', '--wait=false');
});

test('pvc-protection: a claim in use stays Terminating until its pod is gone; pv-protection lets the released volume go', async () => {
  await apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: guarded}
spec: {storageClassName: local-path, accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: guard}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: guarded}}]
`);
  const claim = await until('guarded Bound', async () => {
    const c = await get<PersistentVolumeClaim>(PVCS, 'default', 'guarded');
    return c?.status?.phase === 'Bound' ? c : undefined;
  });
  assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  const pvName = claim.spec?.volumeName ?? '';
  assert.deepEqual((await get<PersistentVolume>(PVS, '', pvName))?.metadata.finalizers, [
    'kubernetes.io/pv-protection',
  ]);
  await kubectl('delete', 'pvc', 'guarded', '--wait=false');
  await quietPeriod(1500, 'the claim is not removed while a pod uses it');
  const row = table(await kubectl('get', 'pvc', 'guarded')).find((r) => r.NAME === 'guarded');
  assert.equal(row?.STATUS, 'Terminating', 'kept while the pod uses it');
  await kubectl('delete', 'pod', 'guard');
  await until(
    'the claim gone',
    async () => (await get<PersistentVolumeClaim>(PVCS, 'default', 'guarded')) === undefined,
  );
  await until(
    'its volume deleted (reclaim Delete, then pv-protection released)',
    async () => (await get<PersistentVolume>(PVS, '', pvName)) === undefined,
  );
});
