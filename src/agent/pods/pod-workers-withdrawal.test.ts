/**
 * PodWorkers' stop path for a deleted pod: the endpoint withdrawal wait comes before any signal,
 * with a budget of half the grace period (at most maxWithdrawalWaitMs), and its time comes off the
 * grace the containers get. A stub runtime records the calls; a fake client takes the final delete.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { PODS } from '../../machinery/resources/well-known.js';
import type { ContainerRuntime, ContainerState } from '../runtime/container-runtime.js';
import { PodWorkers, type PodObject } from './pod-workers.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-pod-workers-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A runtime holding one running container per pod uid given; records stops and removals. */
function stubRuntime(calls: string[], containers: ContainerState[]): ContainerRuntime {
  const live = [...containers];
  const unused = () => Promise.reject(new Error('not used by this test'));
  return {
    runSandbox: unused,
    prepareContainer: unused,
    startContainer: unused,
    exec: unused,
    sandboxUids: async () => [],
    podDir: (s) => join(dir, s.uid),
    removeSandbox: async (uid) => void calls.push(`removeSandbox ${uid}`),
    stopContainer: async (id, graceMs) => {
      calls.push(`stop ${id} ${graceMs}`);
      for (const c of live) if (c.id === id) c.status = 'exited';
    },
    removeContainer: async (id) => {
      calls.push(`remove ${id}`);
      live.splice(
        live.findIndex((c) => c.id === id),
        1,
      );
    },
    listContainers: (uid) => live.filter((c) => uid === undefined || c.podUid === uid),
    onExit: () => {},
  };
}

function deletedPod(uid: string, podIP: string | undefined, grace: number): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `p-${uid}`,
      namespace: 'default',
      uid,
      deletionTimestamp: '2026-01-01T00:00:00Z',
      deletionGracePeriodSeconds: grace,
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running', ...(podIP ? { podIP } : {}) },
  };
}

function workers(calls: string[], containers: ContainerState[], waitMs: number, requeue?: (key: string) => void) {
  const client = new FakeClient();
  return {
    client,
    workers: new PodWorkers({
      client,
      runtime: stubRuntime(calls, containers),
      images: { resolve: async () => undefined, layerDirs: async () => [] },
      hostIP: '10.0.0.1',
      log: pino({ level: 'silent' }),
      endpointWithdrawal: async (ip, budgetMs) => {
        calls.push(`withdraw ${ip} budget ${budgetMs}`);
        await new Promise((r) => setTimeout(r, waitMs));
      },
      maxWithdrawalWaitMs: 10_000,
      requeue,
    }),
  };
}

const running = (uid: string): ContainerState => ({
  id: `${uid}-c-0`,
  podUid: uid,
  name: 'c',
  attempt: 0,
  status: 'running',
});

test('a deleted pod with an IP and a running container waits for the withdrawal, then stops with the rest of the grace', async () => {
  const calls: string[] = [];
  const { workers: w, client } = workers(calls, [running('u1')], 200);
  const pod = deletedPod('u1', '10.42.0.5', 6);
  client.seed(PODS, pod);
  await w.reconcile('default/p-u1', pod);
  assert.equal(calls[0], 'withdraw 10.42.0.5 budget 3000', 'first the withdrawal, half the grace');
  const stop = /^stop u1-c-0 (\d+(\.\d+)?)$/.exec(calls[1] ?? '');
  assert.ok(stop, `then the stop: ${calls.join(', ')}`);
  const grace = Number(stop[1]);
  assert.ok(grace <= 5800 && grace > 5000, `the grace left after the wait: ${grace}`);
  assert.deepEqual(calls.slice(2), ['remove u1-c-0', 'removeSandbox u1']);
  assert.equal(client.peek(PODS, 'default', 'p-u1'), undefined, 'the pod object deleted');
});

test('no wait without a pod IP, with grace 0, or when nothing runs', async () => {
  for (const [pod, containers] of [
    [deletedPod('u2', undefined, 6), [running('u2')]],
    [deletedPod('u3', '10.42.0.6', 0), [running('u3')]],
    [deletedPod('u4', '10.42.0.7', 6), [{ ...running('u4'), status: 'exited' as const }]],
  ] as const) {
    const calls: string[] = [];
    const { workers: w, client } = workers(calls, [...containers], 0);
    client.seed(PODS, pod);
    await w.reconcile(`default/${pod.metadata.name}`, pod);
    assert.ok(!calls.some((c) => c.startsWith('withdraw')), `${pod.metadata.name}: ${calls.join(', ')}`);
  }
});

test('with a work queue the wait holds no worker: reconcile returns at once and the pod is requeued when it ends', async () => {
  const calls: string[] = [];
  const requeued: string[] = [];
  const { workers: w, client } = workers(calls, [running('u5')], 150, (key) => requeued.push(key));
  const pod = deletedPod('u5', '10.42.0.8', 6);
  client.seed(PODS, pod);
  const t0 = performance.now();
  assert.deepEqual(await w.reconcile('default/p-u5', pod), {});
  assert.ok(performance.now() - t0 < 100, 'returned before the wait ended');
  assert.deepEqual(calls, ['withdraw 10.42.0.8 budget 3000']);
  await w.reconcile('default/p-u5', pod); // an event meanwhile: still waiting, nothing stopped
  assert.deepEqual(calls, ['withdraw 10.42.0.8 budget 3000']);
  while (!requeued.length) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(requeued, ['default/p-u5']);
  await w.reconcile('default/p-u5', pod);
  assert.match(calls[1] ?? '', /^stop u5-c-0 5[0-9]{3}/);
  assert.equal(client.peek(PODS, 'default', 'p-u5'), undefined);
});
