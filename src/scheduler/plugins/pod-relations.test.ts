import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin } from '../framework/plugin.js';
import { cacheWith, info, makeNode, makePod } from '../testing/fixtures.js';
import { interPodAffinity } from './inter-pod-affinity.js';
import { podTopologySpread } from './pod-topology-spread.js';

const zoned = (name: string, zone: string): Node => makeNode(name, { labels: { zone } });
const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b')];

/** Which of the nodes pass the plugin for `pod`, or the Status message when PreFilter rejects. */
function feasible(plugin: FilterPlugin, pod: Pod, placed: [Pod, string][]): string[] | 'skip' {
  const cache = cacheWith(nodes, placed);
  const f = plugin.prepareFilter(info(pod), cache);
  if (f === undefined) return 'skip';
  if (typeof f !== 'function') return [f.reasons.join()];
  return cache
    .nodes()
    .filter((n) => f(n).code === 'Success')
    .map((n) => n.name);
}

const term = (labels: Record<string, string>, topologyKey = 'zone') => ({
  labelSelector: { matchLabels: labels },
  topologyKey,
});

test('InterPodAffinity filter: required affinity, anti-affinity, existing anti-affinity', () => {
  const db = makePod('db', { labels: { app: 'db' } });
  const cases: { name: string; pod: Pod; placed: [Pod, string][]; want: string[] | 'skip' }[] = [
    { name: 'nothing to check', pod: makePod('p'), placed: [[db, 'b1']], want: 'skip' },
    {
      name: 'affinity to the zone of db',
      pod: makePod('p', {
        spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } } },
      }),
      placed: [[db, 'b1']],
      want: ['b1'],
    },
    {
      name: 'affinity per host',
      pod: makePod('p', {
        spec: {
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'kubernetes.io/hostname')],
            },
          },
        },
      }),
      placed: [[db, 'a2']],
      want: ['a2'],
    },
    {
      name: 'first pod of a group matching itself',
      pod: makePod('p', {
        labels: { app: 'web' },
        spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } } },
      }),
      placed: [],
      want: ['a1', 'a2', 'b1'],
    },
    {
      name: 'no match and not self-matching',
      pod: makePod('p', {
        spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } } },
      }),
      placed: [],
      want: [],
    },
    {
      name: 'anti-affinity to the zone of db',
      pod: makePod('p', {
        spec: {
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } },
        },
      }),
      placed: [[db, 'a1']],
      want: ['b1'],
    },
    {
      name: 'existing pod repels by its anti-affinity',
      pod: makePod('p', { labels: { app: 'web' } }),
      placed: [
        [
          makePod('lonely', {
            spec: {
              affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } },
            },
          }),
          'b1',
        ],
      ],
      want: ['a1', 'a2'],
    },
    {
      name: 'other namespaces do not count',
      pod: makePod('p', {
        spec: {
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } },
        },
      }),
      placed: [[makePod('db2', { labels: { app: 'db' }, namespace: 'other' }), 'a1']],
      want: ['a1', 'a2', 'b1'],
    },
  ];
  for (const c of cases) assert.deepEqual(feasible(interPodAffinity(), c.pod, c.placed), c.want, c.name);
});

test('PodTopologySpread filter: maxSkew over zones, missing label, nodeSelector honoured', () => {
  const spread = (maxSkew: number, key = 'zone') => ({
    topologySpreadConstraints: [
      { maxSkew, topologyKey: key, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
    ],
  });
  const web = (n: string) => makePod(n, { labels: { app: 'web' } });
  const cases: { name: string; pod: Pod; placed: [Pod, string][]; want: string[] | 'skip' }[] = [
    { name: 'no constraints', pod: web('p'), placed: [], want: 'skip' },
    {
      name: 'zone a has one more: only b',
      pod: makePod('p', { labels: { app: 'web' }, spec: spread(1) }),
      placed: [[web('w1'), 'a1']],
      want: ['b1'],
    },
    {
      name: 'balanced: any',
      pod: makePod('p', { labels: { app: 'web' }, spec: spread(1) }),
      placed: [
        [web('w1'), 'a1'],
        [web('w2'), 'b1'],
      ],
      want: ['a1', 'a2', 'b1'],
    },
    {
      name: 'maxSkew 2 allows',
      pod: makePod('p', { labels: { app: 'web' }, spec: spread(2) }),
      placed: [[web('w1'), 'a1']],
      want: ['a1', 'a2', 'b1'],
    },
    {
      name: 'missing topology label',
      pod: makePod('p', { labels: { app: 'web' }, spec: spread(1, 'rack') }),
      placed: [],
      want: [],
    },
    // Only zone a is a domain (min 1), so a is allowed; b1 passes here and is NodeAffinity's to reject.
    {
      name: 'nodeSelector limits the domains',
      pod: makePod('p', { labels: { app: 'web' }, spec: { ...spread(1), nodeSelector: { zone: 'a' } } }),
      placed: [[web('w1'), 'a1']],
      want: ['a1', 'a2', 'b1'],
    },
  ];
  for (const c of cases) assert.deepEqual(feasible(podTopologySpread(), c.pod, c.placed), c.want, c.name);
});
