import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNodeConfig } from './node-config.js';
import { buildNode, buildNodeStatus, statusNeedsUpdate } from './node-status.js';

const cfg = resolveNodeConfig({
  name: 'n1',
  internalIP: '10.0.0.5',
  role: 'worker',
  capacity: { cpu: '4', memory: '8Gi', pods: '110', ephemeralStorage: '50Gi' },
  nodeInfo: {
    operatingSystem: 'linux',
    architecture: 'amd64',
    kernelVersion: '6.1.0',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    containerRuntimeVersion: 'fake://1',
    kubeletVersion: 'v1.31.0-flotilla',
  },
});
const t0 = new Date('2024-05-01T10:00:00Z');

test('buildNode: labels, capacity = allocatable, addresses, nodeInfo and four conditions stamped now', () => {
  const node = buildNode(cfg, {}, t0);
  assert.deepEqual(node.metadata.labels, {
    'kubernetes.io/hostname': 'n1',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    'node-role.kubernetes.io/worker': '',
  });
  const st = node.status;
  assert.deepEqual(st?.capacity, { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '50Gi' });
  assert.deepEqual(st?.allocatable, st?.capacity);
  assert.deepEqual(st?.addresses, [
    { type: 'InternalIP', address: '10.0.0.5' },
    { type: 'Hostname', address: 'n1' },
  ]);
  assert.equal(st?.nodeInfo?.kubeletVersion, 'v1.31.0-flotilla');
  assert.deepEqual(
    st?.conditions?.map((c) => [c.type, c.status, c.reason, c.lastHeartbeatTime, c.lastTransitionTime]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z'],
      ['Ready', 'True', 'KubeletReady', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z'],
    ],
  );
});

test('buildNodeStatus keeps a transition time while the status holds and moves it when it flips', () => {
  const first = buildNodeStatus(cfg, {}, undefined, t0);
  const t1 = new Date(t0.getTime() + 30_000);
  const same = buildNodeStatus(cfg, {}, first, t1);
  const ready = same.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.lastHeartbeatTime, '2024-05-01T10:00:30Z');
  assert.equal(ready?.lastTransitionTime, '2024-05-01T10:00:00Z');
  const sick = buildNodeStatus(cfg, { notReadyMessage: 'runtime down', diskPressure: true }, same, t1);
  assert.deepEqual(
    sick.conditions?.find((c) => c.type === 'Ready'),
    {
      type: 'Ready',
      status: 'False',
      reason: 'KubeletNotReady',
      message: 'runtime down',
      lastHeartbeatTime: '2024-05-01T10:00:30Z',
      lastTransitionTime: '2024-05-01T10:00:30Z',
    },
  );
  assert.equal(sick.conditions?.find((c) => c.type === 'DiskPressure')?.status, 'True');
});

test('statusNeedsUpdate: on a changed condition (e.g. Unknown set by the controller) or when the report is due', () => {
  const st = buildNodeStatus(cfg, {}, undefined, t0);
  assert.equal(
    statusNeedsUpdate(
      st,
      buildNodeStatus(cfg, {}, st, new Date(t0.getTime() + 5000)),
      new Date(t0.getTime() + 5000),
      60_000,
    ),
    false,
  );
  assert.equal(statusNeedsUpdate(st, st, new Date(t0.getTime() + 60_000), 60_000), true);
  const unknown = {
    ...st,
    conditions: st.conditions?.map((c) =>
      c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c,
    ),
  };
  assert.equal(statusNeedsUpdate(unknown, buildNodeStatus(cfg, {}, unknown, t0), t0, 60_000), true);
  assert.equal(statusNeedsUpdate(undefined, st, t0, 60_000), true);
});
