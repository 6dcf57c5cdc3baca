import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { readyState, waitNodesReady } from './nodes-ready.js';

const node = (name: string, status?: string, reason?: string, message?: string): Node => ({
  metadata: { name },
  ...(status ? { status: { conditions: [{ type: 'Ready', status, reason, message }] } } : {}),
});

test('readyState: Ready, NotReady with its reason, no status, not registered', () => {
  assert.deepEqual(readyState(node('a', 'True')), { ready: true, text: 'Ready' });
  assert.deepEqual(readyState(node('a', 'False', 'KubeletNotReady', 'network not ready')), {
    ready: false,
    text: 'NotReady (KubeletNotReady: network not ready)',
  });
  assert.deepEqual(readyState(node('a')), { ready: false, text: 'no status yet' });
  assert.deepEqual(readyState(undefined), { ready: false, text: 'not registered yet' });
});

/** A fake clock the sleeps advance. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

test('waitNodesReady: a line per node as it turns Ready, a reminder while waiting, the total at the end', async () => {
  const c = clock();
  const lines: string[] = [];
  const views: Node[][] = [
    [node('n1', 'True')],
    [node('n1', 'True'), node('n2')],
    [node('n1', 'True'), node('n2', 'False', 'KubeletNotReady', 'starting')],
    [node('n1', 'True'), node('n2', 'True')],
  ];
  let i = 0;
  const left = await waitNodesReady({
    names: ['n1', 'n2'],
    listNodes: async () => views[Math.min(i++, views.length - 1)] ?? [],
    progress: (l) => lines.push(l),
    pollMs: 500,
    remindMs: 1000,
    ...c,
  });
  assert.deepEqual(left, []);
  assert.deepEqual(lines, [
    'waiting for 2 nodes to be Ready: n1, n2',
    'node n1 Ready (1/2, 0.0 s)',
    'still waiting for n2 (NotReady (KubeletNotReady: starting))',
    'node n2 Ready (2/2, 1.5 s)',
    '2 nodes Ready in 1.5 s',
  ]);
});

test('waitNodesReady: after the timeout it names the nodes not Ready with their state; list failures are retried', async () => {
  const c = clock();
  const lines: string[] = [];
  let calls = 0;
  const left = await waitNodesReady({
    names: ['n2'],
    listNodes: async () => {
      if (calls++ === 0) throw new Error('connection refused');
      return [node('n2')];
    },
    progress: (l) => lines.push(l),
    timeoutMs: 2000,
    remindMs: 60_000,
    pollMs: 500,
    ...c,
  });
  assert.deepEqual(left, ['n2']);
  assert.equal(lines.at(-1), 'not Ready after 2 s: n2 (no status yet)');
});
