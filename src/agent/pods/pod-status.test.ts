import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerState } from '../runtime/container-runtime.js';
import { buildPodStatus, podPhase, type ContainerRecord } from './pod-status.js';

const exited = (code: number): ContainerState => ({
  id: 'x',
  podUid: 'u',
  name: 'c',
  attempt: 0,
  status: 'exited',
  exitCode: code,
  reason: code ? 'Error' : 'Completed',
});
const running: ContainerState = {
  id: 'y',
  podUid: 'u',
  name: 'c',
  attempt: 0,
  status: 'running',
  startedAt: '2024-01-01T00:00:00Z',
};
const rec = (current?: ContainerState): ContainerRecord => ({ name: 'c', image: 'busybox', restartCount: 0, current });

test('podPhase follows the restart policy', () => {
  assert.equal(podPhase('Never', [rec(exited(3))]), 'Failed');
  assert.equal(podPhase('Never', [rec(exited(0))]), 'Succeeded');
  assert.equal(podPhase('OnFailure', [rec(exited(0))]), 'Succeeded');
  assert.equal(podPhase('OnFailure', [rec(exited(1))]), 'Running');
  assert.equal(podPhase('Always', [rec(exited(0))]), 'Running');
  assert.equal(podPhase('Always', [rec(running), rec()]), 'Pending'); // as the kubelet: a container never started keeps the pod Pending
  assert.equal(podPhase('Always', [rec()]), 'Pending');
  assert.equal(podPhase('Never', [rec(exited(0)), rec(running)]), 'Running');
});

test('buildPodStatus reports IPs, states and keeps transition times', () => {
  const pod = {
    status: {
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: 'T0' },
        { type: 'Ready', status: 'True', lastTransitionTime: 'T1' },
      ],
    },
  };
  const s = buildPodStatus({
    pod,
    containers: [rec(running)],
    podIP: '10.42.0.2',
    hostIP: '192.0.2.2',
    phase: 'Running',
    now: 'T2',
    startTime: 'T0',
  });
  assert.equal(s.podIP, '10.42.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.42.0.2' }]);
  assert.equal(s.containerStatuses?.[0]?.ready, true);
  assert.deepEqual(s.containerStatuses?.[0]?.state, { running: { startedAt: '2024-01-01T00:00:00Z' } });
  assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, 'T1');
  assert.equal(s.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime, 'T0');
  const f = buildPodStatus({
    pod,
    containers: [{ ...rec(exited(3)), previous: exited(1), restartCount: 1 }],
    hostIP: 'h',
    phase: 'Failed',
    now: 'T3',
  });
  assert.equal(f.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  assert.equal(f.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
  assert.equal(f.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});
