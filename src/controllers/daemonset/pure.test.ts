import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { newDaemonPod, type DaemonSetObject } from './daemon-pod.js';
import { planDaemonSet, type DaemonPlanInput, type NodeState } from './daemonset-plan.js';
import { calculateDaemonSetStatus } from './daemonset-status.js';
import { nodeShouldRunDaemonPod, targetNodeOf } from './node-eligibility.js';

const NOW = Date.parse('2024-01-01T01:00:00Z');

function node(
  name: string,
  o: { labels?: Record<string, string>; taints?: { key: string; effect: string }[] } = {},
): Node {
  return { metadata: { name, labels: o.labels ?? {} }, spec: { taints: o.taints } } as Node;
}

test('nodeShouldRunDaemonPod: nodeSelector, required affinity, taints against pod and default tolerations', () => {
  const run = { shouldRun: true, shouldContinueRunning: true };
  const none = { shouldRun: false, shouldContinueRunning: false };
  const cases: [string, Node, Pod['spec'], { shouldRun: boolean; shouldContinueRunning: boolean }][] = [
    ['plain node', node('a'), { containers: [] }, run],
    [
      'nodeSelector matches',
      node('a', { labels: { disk: 'ssd' } }),
      { containers: [], nodeSelector: { disk: 'ssd' } },
      run,
    ],
    ['nodeSelector misses', node('a'), { containers: [], nodeSelector: { disk: 'ssd' } }, none],
    [
      'required affinity misses',
      node('a', { labels: { zone: 'x' } }),
      {
        containers: [],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['y'] }] }],
            },
          },
        },
      },
      none,
    ],
    [
      'unschedulable taint tolerated by default',
      node('a', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
      { containers: [] },
      run,
    ],
    [
      'unreachable NoExecute tolerated by default',
      node('a', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }),
      { containers: [] },
      run,
    ],
    [
      'other NoSchedule: no new pod, existing stays',
      node('a', { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }),
      { containers: [] },
      { shouldRun: false, shouldContinueRunning: true },
    ],
    [
      'other NoExecute: neither',
      node('a', { taints: [{ key: 'dedicated', effect: 'NoExecute' }] }),
      { containers: [] },
      none,
    ],
    [
      'tolerated by the pod',
      node('a', { taints: [{ key: 'dedicated', effect: 'NoExecute' }] }),
      { containers: [], tolerations: [{ key: 'dedicated', operator: 'Exists' }] },
      run,
    ],
    [
      'PreferNoSchedule ignored',
      node('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }),
      { containers: [] },
      run,
    ],
  ];
  for (const [name, n, spec, want] of cases) assert.deepEqual(nodeShouldRunDaemonPod(n, { spec }), want, name);
});

test('newDaemonPod: labels, default tolerations, pinned by matchFields; targetNodeOf reads it back', () => {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'n', uid: 'u', generation: 3 },
  } as DaemonSetObject;
  const pod = newDaemonPod(
    ds,
    {
      metadata: { labels: { app: 'agent' } },
      spec: {
        containers: [{ name: 'c' }],
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
        ],
      },
    },
    'n1',
    'h1',
  );
  assert.deepEqual(pod.metadata?.labels, {
    app: 'agent',
    'controller-revision-hash': 'h1',
    'pod-template-generation': '3',
  });
  assert.equal(pod.metadata?.generateName, 'agent-');
  assert.deepEqual(pod.spec?.affinity, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
      },
    },
  });
  assert.deepEqual(
    pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}:${t.tolerationSeconds ?? ''}`),
    [
      'node.kubernetes.io/not-ready:NoExecute:',
      'node.kubernetes.io/unreachable:NoExecute:',
      'node.kubernetes.io/disk-pressure:NoSchedule:',
      'node.kubernetes.io/memory-pressure:NoSchedule:',
      'node.kubernetes.io/pid-pressure:NoSchedule:',
      'node.kubernetes.io/unschedulable:NoSchedule:',
    ],
  );
  assert.equal(targetNodeOf(pod), 'n1');
  assert.equal(targetNodeOf({ spec: { containers: [], nodeName: 'n2' } }), 'n2');
});

function pod(name: string, hash: string, ready = true, created = '2024-01-01T00:00:00Z'): Pod {
  return {
    metadata: {
      name,
      creationTimestamp: created,
      labels: { 'controller-revision-hash': hash, 'pod-template-generation': hash === 'new' ? '2' : '1' },
    },
    status: ready
      ? {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
        }
      : { phase: 'Pending' },
  };
}

function nodes(...pods: (Pod[] | undefined)[]): NodeState[] {
  return pods.map((ps, i) => ({
    name: `n${i}`,
    shouldRun: ps !== undefined,
    shouldContinueRunning: ps !== undefined,
    pods: ps ?? [],
  }));
}

function plan(ns: NodeState[], o: Partial<DaemonPlanInput> = {}) {
  const p = planDaemonSet({
    nodes: ns,
    podsOnMissingNodes: [],
    hash: 'new',
    generation: '2',
    rolling: { maxSurge: 0, maxUnavailable: 1 },
    minReadySeconds: 0,
    nowMs: NOW,
    ...o,
  });
  return { createOn: p.createOn, remove: p.remove.map((x) => x.metadata?.name) };
}

test('planDaemonSet: manage creates on nodes without a pod, keeps the oldest of duplicates, removes from ineligible and missing nodes', () => {
  assert.deepEqual(plan(nodes([], [pod('a', 'new')], [])), { createOn: ['n0', 'n2'], remove: [] });
  assert.deepEqual(plan(nodes([pod('young', 'new', true, '2024-01-01T00:05:00Z'), pod('old', 'new')])), {
    createOn: [],
    remove: ['young'],
  });
  const ineligible: NodeState[] = [
    { name: 'n0', shouldRun: false, shouldContinueRunning: false, pods: [pod('x', 'new')] },
  ];
  assert.deepEqual(plan(ineligible), { createOn: [], remove: ['x'] });
  assert.deepEqual(plan(nodes(), { podsOnMissingNodes: [pod('gone', 'new')] }), { createOn: [], remove: ['gone'] });
  assert.deepEqual(
    plan([
      {
        name: 'n0',
        shouldRun: true,
        shouldContinueRunning: true,
        pods: [{ ...pod('f', 'new'), status: { phase: 'Failed' } }],
      },
    ]),
    { createOn: [], remove: ['f'] },
  );
});

test('planDaemonSet: rolling update without surge deletes old pods up to maxUnavailable, unavailable old ones at once', () => {
  assert.deepEqual(plan(nodes([pod('a', 'old')], [pod('b', 'old')], [pod('c', 'old')])), {
    createOn: [],
    remove: ['a'],
  });
  assert.deepEqual(
    plan(nodes([pod('a', 'old')], [pod('b', 'old')], [pod('c', 'old')]), {
      rolling: { maxSurge: 0, maxUnavailable: 2 },
    }),
    { createOn: [], remove: ['a', 'b'] },
  );
  assert.deepEqual(
    plan(nodes([pod('a', 'new', false)], [pod('b', 'old')], [pod('c', 'old', false)])),
    { createOn: [], remove: ['c'] },
    'new pod not ready uses the budget; the unavailable old pod goes anyway',
  );
  assert.deepEqual(
    plan(nodes([pod('a', 'old')], [pod('b', 'old')]), { rolling: undefined }),
    { createOn: [], remove: [] },
    'OnDelete',
  );
});

test('planDaemonSet: rolling update with surge creates beside old pods, then deletes old pods whose new pod is available', () => {
  const surge = { rolling: { maxSurge: 1, maxUnavailable: 0 } };
  assert.deepEqual(plan(nodes([pod('a', 'old')], [pod('b', 'old')]), surge), { createOn: ['n0'], remove: [] });
  assert.deepEqual(plan(nodes([pod('a', 'old'), pod('a2', 'new', false)], [pod('b', 'old')]), surge), {
    createOn: [],
    remove: [],
  });
  assert.deepEqual(plan(nodes([pod('a', 'old'), pod('a2', 'new')], [pod('b', 'old')]), surge), {
    createOn: [],
    remove: ['a'],
  });
  assert.deepEqual(
    plan(nodes([pod('a', 'old', false)], [pod('b', 'old', false)]), surge),
    { createOn: ['n0', 'n1'], remove: [] },
    'unavailable old pods are replaced without the surge limit',
  );
});

test('calculateDaemonSetStatus: desired, current, ready, available, updated, misscheduled', () => {
  const ns: NodeState[] = [
    ...nodes([pod('a', 'new')], [pod('b', 'old', false)], []),
    { name: 'n9', shouldRun: false, shouldContinueRunning: false, pods: [pod('z', 'new')] },
  ];
  assert.deepEqual(
    calculateDaemonSetStatus({
      nodes: ns,
      hash: 'new',
      generation: '2',
      collisionCount: 0,
      observedGeneration: 2,
      minReadySeconds: 0,
      nowMs: NOW,
    }),
    {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberReady: 1,
      numberAvailable: 1,
      updatedNumberScheduled: 1,
      numberMisscheduled: 1,
      numberUnavailable: 2,
      observedGeneration: 2,
    },
  );
});
