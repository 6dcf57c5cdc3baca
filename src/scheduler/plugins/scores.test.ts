import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ScorePlugin } from '../framework/plugin.js';
import { cacheWith, info, makeNode, makePod } from '../testing/fixtures.js';
import { balancedAllocation } from './balanced-allocation.js';
import { interPodAffinity } from './inter-pod-affinity.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeResourcesFit } from './node-resources-fit.js';
import { podTopologySpread } from './pod-topology-spread.js';
import { taintToleration } from './taint-toleration.js';

/** Normalized scores of every node, by name; undefined when the plugin does not score the pod. */
function scores(
  plugin: ScorePlugin,
  pod: Pod,
  nodes: Node[],
  placed: [Pod, string][] = [],
): Record<string, number> | undefined {
  const cache = cacheWith(nodes, placed);
  const all = cache.nodes();
  const p = plugin.prepareScore(info(pod), cache, all);
  if (!p) return undefined;
  const s = all.map((n, i) => p.score(n, i));
  p.normalize?.(s);
  return Object.fromEntries(all.map((n, i) => [n.name, s[i]]));
}

test('NodeResourcesFit scores: LeastAllocated spreads, MostAllocated packs', () => {
  const nodes = [makeNode('empty', { cpu: '4', memory: '8Gi' }), makeNode('busy', { cpu: '4', memory: '8Gi' })];
  const placed: [Pod, string][] = [[makePod('q', { cpu: '2', memory: '4Gi' }), 'busy']];
  const pod = makePod('p', { cpu: '1', memory: '2Gi' });
  assert.deepEqual(scores(nodeResourcesFit(), pod, nodes, placed), { empty: 75, busy: 25 });
  assert.deepEqual(scores(nodeResourcesFit({ strategy: 'MostAllocated' }), pod, nodes, placed), {
    empty: 25,
    busy: 75,
  });
  // Without requests, the non-zero defaults (100m, 200Mi) are scored.
  const s = scores(nodeResourcesFit(), makePod('p0'), nodes) as Record<string, number>;
  assert.equal(s.empty, Math.floor((((4000 - 100) / 4000) * 100 + ((8192 - 200) / 8192) * 100) / 2));
});

test('BalancedAllocation prefers equal cpu and memory fractions', () => {
  const nodes = [makeNode('cpu-heavy', { cpu: '4', memory: '8Gi' }), makeNode('even', { cpu: '4', memory: '8Gi' })];
  const placed: [Pod, string][] = [
    [makePod('q', { cpu: '3', memory: '1Gi' }), 'cpu-heavy'],
    [makePod('r', { cpu: '1', memory: '2Gi' }), 'even'],
  ];
  const s = scores(balancedAllocation(), makePod('p', { cpu: '1', memory: '2Gi' }), nodes, placed) as Record<
    string,
    number
  >;
  assert.equal(s.even, 100);
  assert.equal(s['cpu-heavy'], Math.floor((1 - Math.abs(1 - 3 / 8) / 2) * 100));
});

test('NodeAffinity preferred, TaintToleration PreferNoSchedule, InterPodAffinity preferred, PodTopologySpread ScheduleAnyway', () => {
  const nodes = [
    makeNode('a', { labels: { zone: 'a', disk: 'ssd' } }),
    makeNode('b', { labels: { zone: 'b' }, taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }),
  ];
  const preferSsd = makePod('p', {
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 5, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          ],
        },
      },
    },
  });
  assert.deepEqual(scores(nodeAffinity(), preferSsd, nodes), { a: 100, b: 0 });
  assert.equal(scores(nodeAffinity(), makePod('p'), nodes), undefined);
  assert.deepEqual(scores(taintToleration(), makePod('p'), nodes), { a: 100, b: 0 });
  assert.deepEqual(
    scores(taintToleration(), makePod('p', { spec: { tolerations: [{ key: 'soft', operator: 'Exists' }] } }), nodes),
    { a: 100, b: 100 },
  );
  const db = makePod('db', { labels: { app: 'db' } });
  const nearDb = makePod('p', {
    spec: {
      affinity: {
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, podAffinityTerm: { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } } } },
          ],
        },
      },
    },
  });
  assert.deepEqual(scores(interPodAffinity(), nearDb, nodes, [[db, 'b']]), { a: 0, b: 100 });
  const web = (n: string) => makePod(n, { labels: { app: 'web' } });
  const spread = makePod('p', {
    labels: { app: 'web' },
    spec: {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { app: 'web' } },
        },
      ],
    },
  });
  const s = scores(podTopologySpread(), spread, nodes, [
    [web('w1'), 'a'],
    [web('w2'), 'a'],
  ]) as Record<string, number>;
  assert.ok(s.b > s.a, `emptier zone scores higher: ${JSON.stringify(s)}`);
  assert.equal(s.b, 100);
});
