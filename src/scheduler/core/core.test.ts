import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { defaultProfile } from '../plugins/default-plugins.js';
import { cacheWith, info, makeNode, makePod } from '../testing/fixtures.js';
import { fitErrorMessage } from './fit-error.js';
import { numFeasibleNodesToFind } from './num-feasible-nodes.js';
import { preempt } from './preemption.js';
import { schedulePod } from './schedule-pod.js';

test('numFeasibleNodesToFind: all below 100, adaptive percentage, at least 100', () => {
  const cases: [number, number | undefined, number][] = [
    [50, undefined, 50],
    [100, undefined, 50 + 50],
    [500, undefined, 230],
    [5000, undefined, 500],
    [10_000, undefined, 500],
    [1000, 10, 100],
    [1000, 100, 1000],
  ];
  for (const [n, pct, want] of cases) assert.equal(numFeasibleNodesToFind(n, pct), want, `${n} nodes, ${pct}%`);
});

test('schedulePod picks the least allocated node and samples large clusters', () => {
  const nodes = [makeNode('full', { cpu: '4' }), makeNode('half', { cpu: '4' }), makeNode('empty', { cpu: '4' })];
  const cache = cacheWith(nodes, [
    [makePod('a', { cpu: '4' }), 'full'],
    [makePod('b', { cpu: '2' }), 'half'],
  ]);
  const r = schedulePod(info(makePod('p', { cpu: '1' })), cache, defaultProfile(), { nextStartNodeIndex: 0 });
  assert.equal(r.kind === 'scheduled' && r.node.name, 'empty');
  const big = cacheWith(Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`)));
  const cursor = { nextStartNodeIndex: 0 };
  const s = schedulePod(info(makePod('p', { cpu: '1' })), big, defaultProfile(), cursor);
  assert.equal(s.kind === 'scheduled' && s.evaluatedNodes, 420, '50% - 1000/125 = 42% of 1,000 nodes');
  assert.equal(cursor.nextStartNodeIndex, 420, 'the next cycle starts where this one stopped');
});

test('FitError message: counted reasons sorted as strings, then preemption', () => {
  const nodes = [
    makeNode('a', { cpu: '1' }),
    makeNode('b', { cpu: '1' }),
    makeNode('c', { cpu: '8', taints: [{ key: 'key', value: 'value', effect: 'NoSchedule' }] }),
  ];
  const cache = cacheWith(nodes);
  const pod = info(makePod('p', { cpu: '2' }));
  const r = schedulePod(pod, cache, defaultProfile(), { nextStartNodeIndex: 0 });
  assert.equal(r.kind, 'unschedulable');
  if (r.kind !== 'unschedulable') return;
  r.diagnosis.postFilterMessage = preempt(pod, cache, defaultProfile(), r.diagnosis).message;
  assert.equal(
    fitErrorMessage(r.diagnosis),
    '0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  );
});

test('preemption evicts the fewest lowest-priority pods on one node and leaves the snapshot as it was', () => {
  const low = (n: string, cpu: string, priority: number): Pod => makePod(n, { cpu, priority });
  const cache = cacheWith(
    [makeNode('a', { cpu: '4' }), makeNode('b', { cpu: '4' })],
    [
      [low('a1', '1', 1), 'a'],
      [low('a2', '1', 1), 'a'],
      [low('a3', '2', 1), 'a'],
      [low('b1', '2', 5), 'b'],
      [low('b2', '2', 100), 'b'],
    ],
  );
  const pod = info(makePod('urgent', { cpu: '2', priority: 10 }));
  const r = schedulePod(pod, cache, defaultProfile(), { nextStartNodeIndex: 0 });
  assert.equal(r.kind, 'unschedulable');
  if (r.kind !== 'unschedulable') return;
  const before = cache.nodes().map((n) => n.requested.milliCpu);
  const p = preempt(pod, cache, defaultProfile(), r.diagnosis);
  assert.equal(p.nominatedNode, 'b');
  assert.deepEqual(
    p.victims.map((v) => v.name),
    ['b1'],
  );
  assert.deepEqual(
    cache.nodes().map((n) => n.requested.milliCpu),
    before,
  );
  assert.match(
    preempt(
      info(makePod('never', { cpu: '2', priority: 10, spec: { preemptionPolicy: 'Never' } })),
      cache,
      defaultProfile(),
      r.diagnosis,
    ).message,
    /preemptionPolicy=Never/,
  );
});
