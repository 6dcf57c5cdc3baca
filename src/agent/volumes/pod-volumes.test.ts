import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { checkHostPath } from './host-path.js';
import { ContainerMountError, PodVolumes, podObjectRefs, VolumeSetUpError, type VolumeObjects } from './pod-volumes.js';
import { ServiceAccountTokens, type RequestToken } from './service-account-tokens.js';

/** Tokens from a requester that must not be asked (pods without token projections). */
const noTokens = (): ServiceAccountTokens =>
  new ServiceAccountTokens({ request: () => Promise.reject(new Error('no TokenRequest expected')) });

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'flt-vol-'));
  dirs.push(d);
  return d;
}

test('hostPath types: checks and creation with the kubelet messages', async () => {
  const d = await tmp();
  await checkHostPath(join(d, 'nothing'), undefined);
  await checkHostPath(join(d, 'made/deep'), 'DirectoryOrCreate');
  assert.ok((await stat(join(d, 'made/deep'))).isDirectory());
  await checkHostPath(join(d, 'f'), 'FileOrCreate');
  assert.ok((await stat(join(d, 'f'))).isFile());
  await checkHostPath(join(d, 'f'), 'File');
  await checkHostPath(d, 'Directory');
  await assert.rejects(checkHostPath(join(d, 'f'), 'Directory'), {
    message: `hostPath type check failed: ${join(d, 'f')} is not a directory`,
  });
  await assert.rejects(checkHostPath(join(d, 'missing'), 'File'), /is not a file/);
  await assert.rejects(checkHostPath(join(d, 'f'), 'DirectoryOrCreate'), /is not a directory/);
  await assert.rejects(checkHostPath(d, 'Socket'), /is not a socket file/);
  await assert.rejects(checkHostPath('/dev/null', 'BlockDevice'), /is not a block device/);
  await checkHostPath('/dev/null', 'CharDevice');
  const sock = join(d, 's.sock');
  const srv = createServer().listen(sock);
  await new Promise((r) => srv.once('listening', r));
  await checkHostPath(sock, 'Socket');
  srv.close();
  await assert.rejects(checkHostPath(d, 'Weird'), /unknown type/);
});

test('set-up: emptyDir, hostPath, configMap (refreshed on change), PVC; container mounts with subPath and readOnly; tear-down', async () => {
  const d = await tmp();
  const podDir = join(d, 'pods', 'ns_p_u1');
  const host = join(d, 'host');
  const pvDir = join(d, 'storage', 'claim-uid');
  const cm: ConfigMap = { metadata: { name: 'cfg', namespace: 'ns' }, data: { a: '1' } };
  const claim: PersistentVolumeClaim = {
    metadata: { name: 'data', namespace: 'ns' },
    spec: { volumeName: 'pv1' },
    status: { phase: 'Bound' },
  };
  const pv: PersistentVolume = {
    metadata: { name: 'pv1' },
    spec: { hostPath: { path: pvDir, type: 'DirectoryOrCreate' } },
  };
  let current = cm;
  const objects: VolumeObjects = {
    configMap: (ns, name) => (ns === 'ns' && name === 'cfg' ? current : undefined),
    secret: () => undefined,
    nodeAllocatable: () => ({}),
    claim: async (ns, name) => (ns === 'ns' && name === 'data' ? claim : undefined),
    volume: async (name) => (name === 'pv1' ? pv : undefined),
  };
  const vols = new PodVolumes({ objects, tokens: noTokens(), log: pino({ level: 'silent' }) });
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: {
      containers: [],
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'h', hostPath: { path: host, type: 'DirectoryOrCreate' } },
        { name: 'config', configMap: { name: 'cfg' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      ],
    },
  };
  const paths = await vols.setUp(pod, podDir);
  assert.equal(paths.get('scratch')?.path, join(podDir, 'volumes/kubernetes.io~empty-dir/scratch'));
  assert.equal((await stat(join(podDir, 'volumes/kubernetes.io~empty-dir/scratch'))).mode & 0o777, 0o777);
  assert.deepEqual(paths.get('h'), { path: host, readOnly: false });
  assert.deepEqual(paths.get('config'), {
    path: join(podDir, 'volumes/kubernetes.io~configmap/config'),
    readOnly: true,
  });
  assert.deepEqual(paths.get('data'), { path: pvDir, readOnly: false });
  assert.ok((await stat(pvDir)).isDirectory());
  assert.equal(await readFile(join(podDir, 'volumes/kubernetes.io~configmap/config/a'), 'utf8'), '1');
  current = { ...cm, data: { a: '2' } };
  await vols.setUp(pod, podDir);
  assert.equal(await readFile(join(podDir, 'volumes/kubernetes.io~configmap/config/a'), 'utf8'), '2');

  await writeFile(join(host, 'outside'), 'x');
  await symlink('/etc', join(paths.get('scratch')?.path ?? '', 'escape'));
  const mounts = await vols.containerMounts(
    'u1',
    {
      name: 'c',
      volumeMounts: [
        { name: 'scratch', mountPath: '/scratch' },
        { name: 'scratch', mountPath: '/logs', subPathExpr: 'logs/$(POD)' },
        { name: 'config', mountPath: '/etc/app/a', subPath: 'a' },
        { name: 'h', mountPath: '/h', readOnly: true },
      ],
    },
    ['POD=p'],
  );
  assert.deepEqual(
    mounts.map((m) => [m.containerPath, m.hostPath.replace(d, ''), m.readOnly]),
    [
      ['/scratch', '/pods/ns_p_u1/volumes/kubernetes.io~empty-dir/scratch', false],
      ['/logs', '/pods/ns_p_u1/volumes/kubernetes.io~empty-dir/scratch/logs/p', false],
      ['/etc/app/a', mounts[2]?.hostPath.replace(d, ''), true], // checked below
      ['/h', '/host', true],
    ],
  );
  assert.match(mounts[2]?.hostPath ?? '', /kubernetes\.io~configmap\/config\/\.\.\d{4}_[\d_.]+\/a$/); // symlinks resolved
  await assert.rejects(
    vols.containerMounts(
      'u1',
      { name: 'c', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: 'escape' }] },
      [],
    ),
    (e: unknown) => e instanceof ContainerMountError && /leaves the volume/.test(e.message),
  );
  await assert.rejects(
    vols.containerMounts(
      'u1',
      { name: 'c', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: '../up' }] },
      [],
    ),
    ContainerMountError,
  );
  await assert.rejects(
    vols.containerMounts('u1', { name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, []),
    /cannot find volume "nope"/,
  );

  await vols.tearDown('u1', podDir);
  await assert.rejects(stat(join(podDir, 'volumes')));
  assert.ok((await stat(join(host, 'outside'))).isFile(), 'hostPath contents untouched');
  assert.ok((await stat(pvDir)).isDirectory(), 'PV contents untouched');
});

test('set-up failures name the volume: missing configMap, unbound claim', async () => {
  const d = await tmp();
  const objects: VolumeObjects = {
    configMap: () => undefined,
    secret: () => undefined,
    nodeAllocatable: () => ({}),
    claim: async () => ({ metadata: { name: 'c' }, spec: {}, status: { phase: 'Pending' } }),
    volume: async () => undefined,
  };
  const vols = new PodVolumes({ objects, tokens: noTokens(), log: pino({ level: 'silent' }) });
  const pod = (v: NonNullable<Pod['spec']>['volumes']): Pod => ({
    metadata: { name: 'p', namespace: 'ns', uid: 'u2' },
    spec: { containers: [], volumes: v },
  });
  await assert.rejects(
    vols.setUp(pod([{ name: 'cfg', configMap: { name: 'gone' } }]), d),
    (e: unknown) =>
      e instanceof VolumeSetUpError &&
      e.message === 'MountVolume.SetUp failed for volume "cfg" : configmap "gone" not found',
  );
  await assert.rejects(
    vols.setUp(pod([{ name: 'data', persistentVolumeClaim: { claimName: 'c' } }]), d),
    /non-bound phase \("Pending"\)/,
  );
  await assert.rejects(
    vols.setUp(pod([{ name: 'n', nfs: { server: 's', path: '/' } }]), d),
    /volume type not supported/,
  );
  assert.equal((await vols.setUp(pod([{ name: 'cfg', configMap: { name: 'gone', optional: true } }]), d)).size, 1);
});

test('podObjectRefs: configMaps and secrets of volumes, projections and env', () => {
  const refs = podObjectRefs({
    spec: {
      containers: [
        {
          name: 'c',
          envFrom: [{ configMapRef: { name: 'c3' } }],
          env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's3', key: 'k' } } }],
        },
      ],
      volumes: [
        { name: 'a', configMap: { name: 'c1' } },
        { name: 'b', secret: { secretName: 's1' } },
        { name: 'p', projected: { sources: [{ configMap: { name: 'c2' } }, { secret: { name: 's2' } }] } },
      ],
    },
  });
  assert.deepEqual(
    [[...refs.configMaps], [...refs.secrets]],
    [
      ['c1', 'c2', 'c3'],
      ['s1', 's2', 's3'],
    ],
  );
});

test('the kube-api-access volume: token from the TokenRequest API, ca.crt, namespace; a failed fetch names the volume', async () => {
  const d = await tmp();
  const podDir = join(d, 'pods/ns_p_u3');
  const objects: VolumeObjects = {
    configMap: (ns, name) =>
      ns === 'ns' && name === 'kube-root-ca.crt' ? { metadata: { name }, data: { 'ca.crt': 'PEM' } } : undefined,
    secret: () => undefined,
    nodeAllocatable: () => ({}),
    claim: async () => undefined,
    volume: async () => undefined,
  };
  const asked: unknown[] = [];
  let fail = false;
  const request: RequestToken = async (namespace, serviceAccount, req) => {
    asked.push({ namespace, serviceAccount, spec: req.spec });
    if (fail) throw new Error('serviceaccounts "robot" not found');
    return { ...req, status: { token: `jwt-${asked.length}`, expirationTimestamp: '2099-01-01T00:00:00Z' } };
  };
  const vols = new PodVolumes({
    objects,
    tokens: new ServiceAccountTokens({ request }),
    log: pino({ level: 'silent' }),
  });
  const projected = {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ],
  };
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u3' },
    spec: { serviceAccountName: 'robot', containers: [], volumes: [{ name: 'kube-api-access-abcde', projected }] },
  };
  try {
    const paths = await vols.setUp(pod, podDir);
    const dir = join(podDir, 'volumes/kubernetes.io~projected/kube-api-access-abcde');
    assert.deepEqual(paths.get('kube-api-access-abcde'), { path: dir, readOnly: true });
    assert.equal(await readFile(join(dir, 'token'), 'utf8'), 'jwt-1');
    assert.equal((await stat(join(dir, 'token'))).mode & 0o777, 0o644);
    assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), 'PEM');
    assert.equal(await readFile(join(dir, 'namespace'), 'utf8'), 'ns');
    assert.deepEqual(asked, [
      {
        namespace: 'ns',
        serviceAccount: 'robot',
        spec: {
          audiences: [],
          expirationSeconds: 3607,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u3' },
        },
      },
    ]);
    await vols.setUp(pod, podDir);
    assert.equal(asked.length, 1, 'a fresh token is not asked for again');
    assert.ok((vols.refreshDueInMs('u3') ?? 0) > 0);

    fail = true;
    const other: Pod = { ...pod, metadata: { name: 'q', namespace: 'ns', uid: 'u4' } };
    await assert.rejects(vols.setUp(other, join(d, 'pods/ns_q_u4')), {
      message:
        'MountVolume.SetUp failed for volume "kube-api-access-abcde" : failed to fetch token: serviceaccounts "robot" not found',
    });
  } finally {
    await vols.tearDown('u3', podDir);
    await vols.tearDown('u4', join(d, 'pods/ns_q_u4'));
  }
  assert.equal(vols.refreshDueInMs('u3'), undefined, 'the tokens go with the pod');
});
