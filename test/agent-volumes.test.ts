/**
 * Pod volumes and container env with real containers: one pod mounts each volume type (emptyDir on
 * disk and in memory, hostPath, read-only hostPath, configMap with and without items, secret,
 * downwardAPI, projected, a PVC provisioned by local-path, subPath and subPathExpr) and takes env
 * from a configMap and a secret; it prints what it sees to its log. A configMap update reaches the
 * running container; missing configMaps hold pods (CreateContainerConfigError for env, FailedMount
 * for volumes) until they exist; deleting the pods leaves no tmpfs or other mount. Runs as root.
 */
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { killAll } from '../src/agent/runtime/oci/kill-all.js';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import { mountPoints } from '../src/agent/runtime/oci/mounts.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { until } from './helpers/wait-until.js';

const log = pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' });
let node: RealNode;
let dataDir = '';
let hostDir = '';

before(async () => {
  hostDir = await mkdtemp(join(tmpdir(), 'flotilla-hostpath-'));
  node = await startRealNode({ name: 'vol-test', agent: { proxy: false, dns: false } });
  dataDir = node.dataDir;
  // The agent announces its data dir: local-path volumes of this node go under it, not /var/lib/flotilla.
  const annotation = await node.server.kubectl([
    'get',
    'node',
    node.nodeName,
    '-o',
    'jsonpath={.metadata.annotations.flotilla\\.dev/data-dir}',
  ]);
  assert.equal(annotation.stdout, dataDir, annotation.stderr);
});

after(async () => {
  await node?.stop();
  await rm(hostDir, { recursive: true, force: true });
});

const kubectl = (args: string[], stdin?: string): Promise<string> => node.kubectl(args, stdin);
const bind = (name: string): Promise<void> => node.bind(name);
const waitForPod = (name: string, ok: (p: PodObject) => boolean, timeoutMs?: number): Promise<PodObject> =>
  node.waitForPod(name, ok, timeoutMs);

/** The container's log lines (k8s-file format: `<time> <stream> <tag> <line>`) until `done` is printed. */
async function containerOutput(pod: PodObject, container: string): Promise<Map<string, string>> {
  const file = join(dataDir, 'pods', `default_${pod.metadata.name}_${pod.metadata.uid}`, container, '0.log');
  return until(
    `"done" in ${file}`,
    async () => {
      const lines = (await readFile(file, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').slice(3).join(' '));
      if (!lines.includes('done')) return undefined;
      return new Map(
        lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    },
    { timeoutMs: 20_000, describe: () => readFile(file, 'utf8').catch(() => '(none)') },
  );
}

const SCRIPT = `
echo emptydir > /scratch/f && echo "scratch=$(cat /scratch/f)"
echo "scratchfs=$(grep ' /scratch ' /proc/mounts | cut -d' ' -f3)"
echo "mem=$(grep ' /mem ' /proc/mounts)"
echo "host=$(cat /host/hello)"; echo pod > /host/from-pod
touch /host-ro/x 2>/dev/null && echo "hostro=writable" || echo "hostro=denied"
echo "cfg=$(cat /cfg/greeting)"
echo "cfgitem=$(cat /cfg-items/custom/path) $(stat -L -c %a /cfg-items/custom/path)"
echo "cfgkeys=$(ls /cfg-items | tr '\\n' ' ')"
touch /cfg/new 2>/dev/null && echo "cfgro=writable" || echo "cfgro=denied"
echo "sec=$(cat /sec/password) $(stat -L -c %a /sec/password)"
echo "secfs=$(grep ' /sec ' /proc/mounts | cut -d' ' -f3)"
echo "podname=$(cat /pod/name)"; echo "labels=$(tr '\\n' ',' < /pod/labels)"; echo "cpu=$(cat /pod/cpu)"
echo "proj=$(cat /proj/greeting) $(cat /proj/pw) $(cat /proj/ns)"
echo from-pod > /data/written && echo "data=ok"
echo "subpath=$(cat /etc/app.conf)"
echo x > /logs/x && echo "subexpr=ok"
echo "env=$LEVEL $PASSWORD $CFG_greeting $MEM_MI"
echo done
exec sleep 3600
`;

test('one pod with every volume type and env from a configMap and a secret; configMap updates reach it; cleanup leaves no mounts', async () => {
  await writeFile(join(hostDir, 'hello'), 'from-host');
  await mkdir(join(hostDir, 'ro'));
  await kubectl([
    'create',
    'configmap',
    'cfg',
    '--from-literal=greeting=hello',
    '--from-literal=LEVEL=debug',
    '--from-literal=extra=e',
  ]);
  await kubectl(['create', 'secret', 'generic', 'sec', '--from-literal=password=hunter2']);
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
    }),
  );
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vols', namespace: 'default', labels: { app: 'web', tier: 'x' } },
      spec: {
        schedulerName: 'manual-test',
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', SCRIPT],
            resources: { limits: { cpu: '500m', memory: '64Mi' } },
            envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { configMapRef: { name: 'cfg' } }],
            env: [
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            ],
            volumeMounts: [
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'mem', mountPath: '/mem' },
              { name: 'host', mountPath: '/host' },
              { name: 'host-ro', mountPath: '/host-ro', readOnly: true },
              { name: 'cfg', mountPath: '/cfg' },
              { name: 'cfg-items', mountPath: '/cfg-items' },
              { name: 'sec', mountPath: '/sec' },
              { name: 'pod', mountPath: '/pod' },
              { name: 'proj', mountPath: '/proj' },
              { name: 'data', mountPath: '/data' },
              { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'greeting' },
              { name: 'scratch', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' },
            ],
          },
        ],
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
          { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
          { name: 'host-ro', hostPath: { path: join(hostDir, 'ro') } },
          { name: 'cfg', configMap: { name: 'cfg' } },
          {
            name: 'cfg-items',
            configMap: { name: 'cfg', items: [{ key: 'greeting', path: 'custom/path', mode: 0o600 }] },
          },
          { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
          {
            name: 'pod',
            downwardAPI: {
              items: [
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
              ],
            },
          },
          {
            name: 'proj',
            projected: {
              sources: [
                { configMap: { name: 'cfg', items: [{ key: 'greeting', path: 'greeting' }] } },
                { secret: { name: 'sec', items: [{ key: 'password', path: 'pw' }] } },
                { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              ],
            },
          },
          { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        ],
      },
    }),
  );
  const running = waitForPod('vols', (p) => p.status?.phase === 'Running', 60_000);
  await bind('vols');
  const pod = await running;
  const uid = pod.metadata.uid ?? '';
  const out = await containerOutput(pod, 'main');
  assert.equal(out.get('scratch'), 'emptydir');
  assert.notEqual(out.get('scratchfs'), 'tmpfs', 'emptyDir on disk');
  assert.match(out.get('mem') ?? '', /^tmpfs \/mem tmpfs rw,.*size=8192k/);
  assert.equal(out.get('host'), 'from-host');
  assert.equal(await readFile(join(hostDir, 'from-pod'), 'utf8'), 'pod\n');
  assert.equal(out.get('hostro'), 'denied');
  assert.equal(out.get('cfg'), 'hello');
  assert.equal(out.get('cfgitem'), 'hello 600');
  assert.equal(out.get('cfgkeys'), 'custom ');
  assert.equal(out.get('cfgro'), 'denied');
  assert.equal(out.get('sec'), 'hunter2 400');
  assert.equal(out.get('secfs'), 'tmpfs');
  assert.equal(out.get('podname'), 'vols');
  assert.equal(out.get('labels'), 'app="web",tier="x"'); // no newline after the last
  assert.equal(out.get('cpu'), '500');
  assert.equal(out.get('proj'), 'hello hunter2 default');
  assert.equal(out.get('data'), 'ok');
  const pvcUid = (await kubectl(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.uid}'])).trim();
  assert.equal(await readFile(join(dataDir, 'storage', pvcUid, 'written'), 'utf8'), 'from-pod\n');
  assert.equal(out.get('subpath'), 'hello');
  assert.equal(out.get('subexpr'), 'ok');
  await access(
    join(dataDir, 'pods', `default_vols_${uid}`, 'volumes', 'kubernetes.io~empty-dir', 'scratch', 'logs', 'vols', 'x'),
  );
  assert.equal(out.get('env'), 'debug hunter2 hello 64');

  // A configMap update is seen by the running container (volume and projection) within one re-read.
  const id = `${uid}-main-0`;
  const t0 = performance.now();
  await kubectl(['patch', 'configmap', 'cfg', '-p', '{"data":{"greeting":"updated"}}']);
  await until(
    'the configMap update visible in the container',
    async () =>
      (await node.agent.runtime.exec(
        id,
        ['sh', '-c', 'grep -qx updated /cfg/greeting && grep -qx updated /proj/greeting'],
        5000,
      )) === 0,
    // As its node (Node authorizer) the agent re-reads the ConfigMaps its pods use every 15 s.
    { timeoutMs: 40_000 },
  );
  process.stdout.write(`# configMap update -> visible in the container: ${(performance.now() - t0).toFixed(0)} ms\n`);

  const podTmpfs = (await mountPoints()).filter((m) => m.startsWith(join(dataDir, 'pods')));
  assert.equal(podTmpfs.length, 5, `tmpfs for mem, sec, pod, proj, kube-api-access-*: ${podTmpfs.join(' ')}`);
  await kubectl(['delete', 'pod', 'vols', '--timeout=60s']);
  assert.deepEqual(
    (await mountPoints()).filter((m) => m.startsWith(`${dataDir}/`) && m !== join(dataDir, 'ns')),
    [],
  );
  await assert.rejects(access(join(dataDir, 'pods', `default_vols_${uid}`)));
  assert.equal(await readFile(join(hostDir, 'hello'), 'utf8'), 'from-host', 'hostPath contents stay');
});

test('a missing configMap holds the pod: env -> CreateContainerConfigError, volume -> FailedMount; both start once it exists', async () => {
  const pod = (name: string, extra: Record<string, unknown>, volumes: unknown[] = []): string =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        schedulerName: 'manual-test',
        terminationGracePeriodSeconds: 1,
        volumes,
        containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], ...extra }],
      },
    });
  await kubectl(
    ['apply', '-f', '-'],
    pod('envmissing', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'later', key: 'x' } } }] }),
  );
  await kubectl(
    ['apply', '-f', '-'],
    pod('volmissing', { volumeMounts: [{ name: 'v', mountPath: '/v' }] }, [
      { name: 'v', configMap: { name: 'later2' } },
    ]),
  );
  const waiting = (p: PodObject): { reason?: string; message?: string } | undefined =>
    p.status?.containerStatuses?.[0]?.state?.waiting;
  const envWaits = waitForPod('envmissing', (p) => waiting(p)?.reason === 'CreateContainerConfigError');
  const volWaits = waitForPod('volmissing', (p) => /configmap "later2" not found/.test(waiting(p)?.message ?? ''));
  await bind('envmissing');
  await bind('volmissing');
  assert.equal(waiting(await envWaits)?.message, 'configmap "later" not found');
  const v = await volWaits;
  assert.equal(waiting(v)?.reason, 'ContainerCreating');
  assert.equal(waiting(v)?.message, 'MountVolume.SetUp failed for volume "v" : configmap "later2" not found');
  assert.equal(v.status?.phase, 'Pending');
  // The configMap's creation re-syncs both pods at once (no wait for the 10 s retry).
  const envRuns = waitForPod('envmissing', (p) => p.status?.phase === 'Running', 40_000);
  const volRuns = waitForPod('volmissing', (p) => p.status?.phase === 'Running', 40_000);
  await kubectl(['create', 'configmap', 'later', '--from-literal=x=1']);
  await kubectl(['create', 'configmap', 'later2', '--from-literal=y=2']);
  const t0 = performance.now();
  await Promise.all([envRuns, volRuns]);
  const ms = performance.now() - t0;
  process.stdout.write(`# configMaps created -> both pods Running: ${ms.toFixed(0)} ms\n`);
  assert.ok(ms < 8000, 'started by the configMap event, not by the 10 s retry');
  await kubectl(['delete', 'pod', 'envmissing', 'volmissing', '--timeout=60s']);
  assert.deepEqual(
    (await mountPoints()).filter((m) => m.startsWith(`${dataDir}/`) && m !== join(dataDir, 'ns')),
    [],
  );
});

/** Mount points under the data dir's pod dirs (volumes). */
async function podMounts(): Promise<string[]> {
  return (await mountPoints()).filter((m) => m.startsWith(`${join(dataDir, 'pods')}/`));
}

const secretPod = (name: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      schedulerName: 'manual-test',
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: 'busybox',
          command: ['sleep', '3600'],
          volumeMounts: [
            { name: 'cfg', mountPath: '/cfg' },
            { name: 'sec', mountPath: '/sec' },
            { name: 'mem', mountPath: '/mem' },
          ],
        },
      ],
      volumes: [
        { name: 'cfg', configMap: { name: 'restart-cfg' } },
        { name: 'sec', secret: { secretName: 'sec' } },
        { name: 'mem', emptyDir: { medium: 'Memory' } },
      ],
    },
  });

test('after an agent restart the volumes are taken over (no second tmpfs) and configMap updates still reach the container', async () => {
  await kubectl(['create', 'configmap', 'restart-cfg', '--from-literal=v=one']);
  await kubectl(['apply', '-f', '-'], secretPod('restarted'));
  const running = waitForPod('restarted', (p) => p.status?.phase === 'Running');
  await bind('restarted');
  const pod = await running;
  const id = `${pod.metadata.uid}-main-0`;
  await node.agent.runtime.exec(id, ['sh', '-c', 'echo kept > /mem/f'], 5000);
  const before = await podMounts();
  assert.equal(before.length, 3, before.join(' ')); // sec, mem, kube-api-access-*
  const agent = await node.restartAgent();
  await kubectl(['patch', 'configmap', 'restart-cfg', '-p', '{"data":{"v":"two"}}']);
  await until(
    'the update visible after the restart',
    async () => (await agent.runtime.exec(id, ['grep', '-qx', 'two', '/cfg/v'], 5000)) === 0,
    // As its node (Node authorizer) the agent re-reads the ConfigMaps its pods use every 15 s.
    { timeoutMs: 40_000 },
  );
  assert.equal(
    await agent.runtime.exec(id, ['grep', '-qx', 'kept', '/mem/f'], 5000),
    0,
    'memory emptyDir contents kept',
  );
  assert.deepEqual(await podMounts(), before, 'same tmpfs mounts, none stacked');
  assert.equal(agent.runtime.listContainers(pod.metadata.uid).length, 1);
});

test('flotilla killall unmounts the tmpfs volumes of pods left running', async () => {
  assert.ok((await podMounts()).length > 0, 'the previous test left its pod running');
  await node.agent.stop();
  await killAll(dataDir, log);
  assert.deepEqual(await podMounts(), []);
  assert.deepEqual(
    (await mountPoints()).filter((m) => m.startsWith(`${dataDir}/`)),
    [],
  );
});
