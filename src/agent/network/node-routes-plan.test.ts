import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { diffNodeRoutes, plannedNodeRoutes, type NodeRoute } from './node-routes-plan.js';

function node(name: string, podCIDR?: string, ip?: string, deleting = false): Node {
  return {
    metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: podCIDR ? { podCIDR } : {},
    status: { addresses: [{ type: 'Hostname', address: name }, ...(ip ? [{ type: 'InternalIP', address: ip }] : [])] },
  };
}

test('plannedNodeRoutes: every other node with a pod CIDR and an InternalIP, sorted by CIDR', () => {
  const routes = plannedNodeRoutes(
    [
      node('c', '10.42.2.0/24', '10.44.0.3'),
      node('a', '10.42.0.0/24', '10.44.0.1'),
      node('b', '10.42.1.0/24', '10.44.0.2'),
      node('no-cidr', undefined, '10.44.0.4'),
      node('no-ip', '10.42.5.0/24'),
      node('v6', '10.42.6.0/24', 'fd00::1'),
      node('gone', '10.42.7.0/24', '10.44.0.7', true),
      node('clash', '10.42.2.0/24', '10.44.0.9'),
    ],
    'a',
  );
  assert.deepEqual(routes, [
    { cidr: '10.42.1.0/24', via: '10.44.0.2', node: 'b' },
    { cidr: '10.42.2.0/24', via: '10.44.0.3', node: 'c' },
  ]);
});

test('diffNodeRoutes: new and moved routes replaced, routes of vanished nodes removed', () => {
  const installed = new Map<string, NodeRoute>([
    ['10.42.1.0/24', { cidr: '10.42.1.0/24', via: '10.44.0.2', node: 'b' }],
    ['10.42.2.0/24', { cidr: '10.42.2.0/24', via: '10.44.0.3', node: 'c' }],
    ['10.42.3.0/24', { cidr: '10.42.3.0/24', via: '10.44.0.4', node: 'd' }],
  ]);
  const { replace, remove } = diffNodeRoutes(installed, [
    { cidr: '10.42.1.0/24', via: '10.44.0.2', node: 'b' },
    { cidr: '10.42.2.0/24', via: '10.44.0.13', node: 'c' },
    { cidr: '10.42.4.0/24', via: '10.44.0.5', node: 'e' },
  ]);
  assert.deepEqual(
    replace.map((r) => r.cidr),
    ['10.42.2.0/24', '10.42.4.0/24'],
  );
  assert.deepEqual(
    remove.map((r) => r.cidr),
    ['10.42.3.0/24'],
  );
});
