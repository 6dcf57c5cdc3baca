import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { FakeStatsProvider, fakeContainerUsage } from './fake-stats.js';

const pod = (annotations: Record<string, string> = {}): KubeObject & Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'n', uid: 'u', annotations },
  spec: {
    containers: [
      { name: 'a', image: 'x', resources: { requests: { cpu: '200m', memory: '100Mi' } } },
      { name: 'b', image: 'x' },
    ],
  },
  status: { phase: 'Running', startTime: '2024-01-01T00:00:00Z' },
});

test('fake usage: annotations split over containers, else a fraction of requests', () => {
  assert.deepEqual(fakeContainerUsage(pod()), [
    { name: 'a', nanoCores: 20_000_000, bytes: 50 * 2 ** 20 },
    { name: 'b', nanoCores: 1_000_000, bytes: 8 * 2 ** 20 },
  ]);
  assert.deepEqual(
    fakeContainerUsage(pod({ 'flotilla.dev/fake-cpu': '500m', 'flotilla.dev/fake-memory': '64Mi' })).map((c) => [
      c.nanoCores,
      c.bytes,
    ]),
    [
      [250_000_000, 32 * 2 ** 20],
      [250_000_000, 32 * 2 ** 20],
    ],
  );
});

test('FakeStatsProvider: the node by Host header, counters integrate the usage', async () => {
  let now = 0;
  const p = new FakeStatsProvider({
    nodeFor: (h) => (h === '10.200.0.1:1234' ? 'n1' : undefined),
    podsOn: () => [pod({ 'flotilla.dev/fake-cpu': '1' })],
    now: () => now,
  });
  await assert.rejects(p.summary('10.9.9.9:1'), /no hollow node/);
  await p.summary('10.200.0.1:1234');
  now = 2000;
  const s = await p.summary('10.200.0.1:1234');
  assert.equal(s.node.nodeName, 'n1');
  assert.equal(s.pods[0]?.cpu?.usageNanoCores, 1e9);
  assert.equal(s.pods[0]?.cpu?.usageCoreNanoSeconds, 2e9, 'one core for two seconds');
  assert.equal(s.node.cpu?.usageNanoCores, 1e9 + 50_000_000);
});
