import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin } from '../framework/plugin.js';
import { cacheWith, info, makeNode, makePod } from '../testing/fixtures.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodePorts } from './node-ports.js';
import { nodeResourcesFit } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { taintToleration } from './taint-toleration.js';

/** Runs one filter plugin for `pod` on node `n` of a cache; 'skip' when the plugin does not apply. */
function run(plugin: FilterPlugin, pod: Pod, node: Node, placed: [Pod, string][] = []): string {
  const cache = cacheWith([node], placed);
  const f = plugin.prepareFilter(info(pod), cache);
  if (f === undefined) return 'skip';
  const s = typeof f === 'function' ? f(cache.nodes()[0]) : f;
  return s.code === 'Success' ? 'Success' : `${s.code}: ${s.reasons.join(' | ')}`;
}

const ctr = (requests: Record<string, string>) => ({ name: 'c', image: 'i', resources: { requests } });

test('NodeResourcesFit filter', () => {
  const cases: { name: string; pod: Pod; node: Node; placed?: [Pod, string][]; want: string }[] = [
    {
      name: 'fits',
      pod: makePod('p', { cpu: '1', memory: '1Gi' }),
      node: makeNode('n', { cpu: '2' }),
      want: 'Success',
    },
    {
      name: 'cpu and memory short',
      pod: makePod('p', { cpu: '3', memory: '9Gi' }),
      node: makeNode('n', { cpu: '2' }),
      want: 'Unschedulable: Insufficient cpu | Insufficient memory',
    },
    {
      name: 'counts pods already there',
      pod: makePod('p', { cpu: '1500m' }),
      node: makeNode('n', { cpu: '2' }),
      placed: [[makePod('q', { cpu: '1' }), 'n']],
      want: 'Unschedulable: Insufficient cpu',
    },
    {
      name: 'init container max rule',
      pod: makePod('p', { spec: { containers: [ctr({ cpu: '500m' })], initContainers: [ctr({ cpu: '3' })] } }),
      node: makeNode('n', { cpu: '2' }),
      want: 'Unschedulable: Insufficient cpu',
    },
    {
      name: 'init container smaller than sum',
      pod: makePod('p', {
        spec: { containers: [ctr({ cpu: '1' }), ctr({ cpu: '1' })], initContainers: [ctr({ cpu: '1500m' })] },
      }),
      node: makeNode('n', { cpu: '2' }),
      want: 'Success',
    },
    {
      name: 'overhead counts',
      pod: makePod('p', { cpu: '2', spec: { overhead: { cpu: '100m' } } }),
      node: makeNode('n', { cpu: '2' }),
      want: 'Unschedulable: Insufficient cpu',
    },
    {
      name: 'extended resource missing',
      pod: makePod('p', { spec: { containers: [ctr({ 'nvidia.com/gpu': '1' })] } }),
      node: makeNode('n'),
      want: 'Unschedulable: Insufficient nvidia.com/gpu',
    },
    {
      name: 'extended resource present',
      pod: makePod('p', { spec: { containers: [ctr({ 'nvidia.com/gpu': '2' })] } }),
      node: makeNode('n', { extra: { 'nvidia.com/gpu': '2' } }),
      want: 'Success',
    },
    {
      name: 'ephemeral storage',
      pod: makePod('p', { spec: { containers: [ctr({ 'ephemeral-storage': '10Gi' })] } }),
      node: makeNode('n', { extra: { 'ephemeral-storage': '5Gi' } }),
      want: 'Unschedulable: Insufficient ephemeral-storage',
    },
    {
      name: 'pods limit',
      pod: makePod('p'),
      node: makeNode('n', { pods: '1' }),
      placed: [[makePod('q'), 'n']],
      want: 'Unschedulable: Too many pods',
    },
  ];
  for (const c of cases) assert.equal(run(nodeResourcesFit(), c.pod, c.node, c.placed), c.want, c.name);
});

test('NodeAffinity filter: nodeSelector and required terms', () => {
  const req = (op: string, values?: string[], key = 'zone') => ({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key, operator: op, ...(values ? { values } : {}) }] }],
        },
      },
    },
  });
  const node = makeNode('n1', { labels: { zone: 'a', cores: '16' } });
  const miss = "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector";
  const cases: [string, Partial<NonNullable<Pod['spec']>>, string][] = [
    ['no constraints', {}, 'skip'],
    ['nodeSelector match', { nodeSelector: { zone: 'a' } }, 'Success'],
    ['nodeSelector miss', { nodeSelector: { zone: 'b' } }, miss],
    ['In', req('In', ['a', 'b']), 'Success'],
    ['NotIn', req('NotIn', ['a']), miss],
    ['Exists', req('Exists'), 'Success'],
    ['DoesNotExist', req('DoesNotExist'), miss],
    ['Gt', req('Gt', ['8'], 'cores'), 'Success'],
    ['Lt', req('Lt', ['8'], 'cores'), miss],
    ['Gt non-integer label', req('Gt', ['8'], 'zone'), miss],
    [
      'matchFields metadata.name',
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
            },
          },
        },
      },
      'Success',
    ],
    [
      'terms are ORed',
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] },
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
              ],
            },
          },
        },
      },
      'Success',
    ],
  ];
  for (const [name, spec, want] of cases) assert.equal(run(nodeAffinity(), makePod('p', { spec }), node), want, name);
});

test('TaintToleration filter', () => {
  const tainted = makeNode('n', {
    taints: [
      { key: 'k', value: 'v', effect: 'NoSchedule' },
      { key: 'soft', value: 'x', effect: 'PreferNoSchedule' },
    ],
  });
  const cases: [string, NonNullable<Pod['spec']>['tolerations'], string][] = [
    ['untolerated', undefined, 'UnschedulableAndUnresolvable: node(s) had untolerated taint {k: v}'],
    ['Equal with value', [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }], 'Success'],
    [
      'wrong value',
      [{ key: 'k', operator: 'Equal', value: 'w' }],
      'UnschedulableAndUnresolvable: node(s) had untolerated taint {k: v}',
    ],
    ['Exists on key', [{ key: 'k', operator: 'Exists' }], 'Success'],
    ['Exists without key tolerates all', [{ operator: 'Exists' }], 'Success'],
    [
      'other effect',
      [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }],
      'UnschedulableAndUnresolvable: node(s) had untolerated taint {k: v}',
    ],
  ];
  for (const [name, tolerations, want] of cases)
    assert.equal(
      run(taintToleration(), makePod('p', { spec: tolerations ? { tolerations } : {} }), tainted),
      want,
      name,
    );
  assert.equal(
    run(taintToleration(), makePod('p'), makeNode('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })),
    'Success',
    'PreferNoSchedule never filters',
  );
});

test('NodeUnschedulable, NodeName and NodePorts filters', () => {
  const cordoned = makeNode('n', { unschedulable: true });
  assert.equal(
    run(nodeUnschedulable(), makePod('p'), cordoned),
    'UnschedulableAndUnresolvable: node(s) were unschedulable',
  );
  assert.equal(
    run(
      nodeUnschedulable(),
      makePod('p', {
        spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] },
      }),
      cordoned,
    ),
    'skip',
  );
  assert.equal(run(nodeUnschedulable(), makePod('p'), makeNode('n')), 'Success');
  assert.equal(run(nodeName(), makePod('p'), makeNode('n')), 'skip');
  assert.equal(
    run(nodeName(), makePod('p', { spec: { nodeName: 'other' } }), makeNode('n')),
    "UnschedulableAndUnresolvable: node(s) didn't match the requested node name",
  );
  const withPort = (port: number, ip?: string) =>
    makePod(`p${port}${ip ?? ''}`, {
      spec: {
        containers: [
          { name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort: port, ...(ip ? { hostIP: ip } : {}) }] },
        ],
      },
    });
  const used: [Pod, string][] = [[withPort(8080, '10.0.0.1'), 'n']];
  const portCases: [string, Pod, string][] = [
    ['no host ports', makePod('p'), 'skip'],
    ['free port', withPort(9090), 'Success'],
    [
      'same port, any address',
      withPort(8080),
      "Unschedulable: node(s) didn't have free ports for the requested pod ports",
    ],
    [
      'same port, same IP',
      withPort(8080, '10.0.0.1'),
      "Unschedulable: node(s) didn't have free ports for the requested pod ports",
    ],
    ['same port, other IP', withPort(8080, '10.0.0.2'), 'Success'],
  ];
  for (const [name, pod, want] of portCases) assert.equal(run(nodePorts(), pod, makeNode('n'), used), want, name);
});
