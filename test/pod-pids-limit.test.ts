/**
 * --pod-max-pids on a real node: a pod that tries to start 40 processes under a cap of 16 fails to
 * fork past it (its shell says so), the pod cgroup's pids.max says 16, and a pod on the same node is
 * not held back by it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { PODS } from '../src/machinery/resources/well-known.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { until } from './helpers/wait-until.js';

const CAP = 16;
let node: RealNode;

before(async () => {
  node = await startRealNode({ name: 'pidcap', agent: { proxy: false, dns: false, podMaxPids: CAP } });
});

after(async () => {
  await node?.stop();
});

const pod = (name: string, script: string) => ({
  apiVersion: 'v1' as const,
  kind: 'Pod' as const,
  metadata: { name },
  spec: {
    nodeName: node.nodeName,
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', script] }],
  },
});

test('a pod cannot run more processes than --pod-max-pids; other pods are not held back', async () => {
  await node.admin.create(
    PODS,
    'default',
    pod('forker', 'i=0; while [ $i -lt 40 ]; do sleep 300 & i=$((i+1)); done; echo forks-done; sleep 300'),
  );
  const running = await node.waitForPod('forker', (p) => p.status?.phase === 'Running', 60_000);
  const cgroup = `/sys/fs/cgroup/pids/flotilla/pod${running.metadata.uid}`;
  assert.equal((await readFile(`${cgroup}/pids.max`, 'utf8')).trim(), String(CAP));
  // Past the cap the fork fails (busy-box sh then gives up on the loop).
  let last = '';
  await until(
    'a failed fork in the log',
    async () => {
      last = await node.kubectl(['logs', 'forker']);
      return /can't fork: Resource temporarily unavailable/.test(last);
    },
    { timeoutMs: 30_000, retryErrors: true, describe: () => `logs so far:\n${last}` },
  );

  await node.admin.create(PODS, 'default', pod('neighbour', 'echo neighbour-up; sleep 300'));
  await node.waitForPod('neighbour', (p) => p.status?.phase === 'Running', 60_000);
  await until(
    'the neighbour to print',
    async () => (await node.kubectl(['logs', 'neighbour'])).includes('neighbour-up'),
    {
      timeoutMs: 15_000,
      retryErrors: true,
    },
  );
});
