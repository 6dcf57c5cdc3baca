import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatGoDuration, formatNanoCores, nodeMetrics, podMetrics } from './metrics-objects.js';
import { NodeStatsCache } from './node-stats-cache.js';
import type { Summary } from '../../api/stats/summary-types.js';

test('quantities in canonical form, durations as Go prints them', () => {
  assert.deepEqual([0, 5_000_000, 250_000_000, 2e9, 1_500_000_000, 1500, 123].map(formatNanoCores), [
    '0',
    '5m',
    '250m',
    '2',
    '1500m',
    '1500n',
    '123n',
  ]);
  assert.deepEqual([0, 1000, 1024, 64 * 2 ** 20, 2 ** 30, 12345].map(formatBytes), [
    '0',
    '1000',
    '1Ki',
    '64Mi',
    '1Gi',
    '12345',
  ]);
  assert.deepEqual([250, 1000, 10_500, 65_000, 3_600_000].map(formatGoDuration), [
    '250ms',
    '1s',
    '10.5s',
    '1m5s',
    '1h0m0s',
  ]);
});

const t = '2026-01-01T00:00:00.000Z';
const summary: Summary = {
  node: {
    nodeName: 'n1',
    startTime: t,
    cpu: { time: t, usageCoreNanoSeconds: 9, usageNanoCores: 500_000_000 },
    memory: { time: t, usageBytes: 3 * 2 ** 30, workingSetBytes: 2 ** 30 },
  },
  pods: [
    {
      podRef: { name: 'a', namespace: 'ns', uid: 'u1' },
      startTime: t,
      containers: [
        {
          name: 'c',
          startTime: t,
          cpu: { time: t, usageCoreNanoSeconds: 1, usageNanoCores: 1_000_000 },
          memory: { time: t, usageBytes: 1, workingSetBytes: 2 ** 20 },
        },
      ],
    },
    {
      podRef: { name: 'b', namespace: 'ns', uid: 'u2' },
      startTime: t,
      containers: [
        {
          name: 'c',
          startTime: t,
          cpu: { time: t, usageCoreNanoSeconds: 1 },
          memory: { time: t, usageBytes: 1, workingSetBytes: 1 },
        },
      ],
    },
  ],
};

test('NodeMetrics and PodMetrics as metrics-server shapes them; pods without a CPU rate are left out', () => {
  const now = new Date(t);
  assert.deepEqual(nodeMetrics(summary, 10_000, { a: 'b' }, now), {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'n1', labels: { a: 'b' }, creationTimestamp: t },
    timestamp: t,
    window: '10s',
    usage: { cpu: '500m', memory: '1Gi' },
  });
  const pods = podMetrics(summary, 10_000, now);
  assert.deepEqual(
    pods.map((p) => [p.metadata.name, p.containers]),
    [['a', [{ name: 'c', usage: { cpu: '1m', memory: '1Mi' } }]]],
  );
});

test('NodeStatsCache: one fetch per TTL, shared by concurrent callers; window = time between scrapes', async () => {
  let now = 0;
  let fetches = 0;
  const cache = new NodeStatsCache({
    ttlMs: 1000,
    now: () => now,
    fetch: async () => {
      fetches++;
      return summary;
    },
  });
  const ep = { node: 'n1', host: '127.0.0.1', address: '127.0.0.1', port: 1, hostHeader: '', caPem: '' };
  const [a, b] = await Promise.all([cache.get(ep), cache.get(ep)]);
  assert.equal(fetches, 1);
  assert.equal(a, b);
  assert.equal(a.windowMs, 250);
  now = 500;
  await cache.get(ep);
  assert.equal(fetches, 1);
  now = 4000;
  assert.equal((await cache.get(ep)).windowMs, 4000);
  assert.equal(fetches, 2);
});
