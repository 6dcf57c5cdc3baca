import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Summary } from '../../api/stats/summary-types.js';
import { MetricsHistory } from './metrics-history.js';

const summary = (cpu: number | undefined, mem: number, uid = 'u1'): Summary => ({
  node: {
    nodeName: 'n1',
    startTime: '',
    cpu: { time: '', usageCoreNanoSeconds: 0, usageNanoCores: cpu === undefined ? undefined : cpu * 10 },
    memory: { time: '', workingSetBytes: mem * 10 } as Summary['node']['memory'],
  },
  pods: [
    {
      podRef: { name: 'p', namespace: 'default', uid },
      startTime: '',
      containers: [
        {
          name: 'a',
          startTime: '',
          cpu: { time: '', usageCoreNanoSeconds: 0, usageNanoCores: cpu },
          memory: { time: '', workingSetBytes: mem } as never,
        },
        {
          name: 'b',
          startTime: '',
          cpu: { time: '', usageCoreNanoSeconds: 0, usageNanoCores: cpu },
          memory: { time: '', workingSetBytes: mem } as never,
        },
      ],
    },
  ],
});

test('pods (summed over containers) and nodes, samples a step apart, an hour kept', () => {
  const h = new MetricsHistory({ spanMs: 60_000, stepMs: 10_000 });
  h.record(summary(undefined, 5), 0); // first sample: no CPU rate yet
  h.record(summary(100, 5), 10_000);
  h.record(summary(200, 6), 15_000); // closer than a step: skipped
  h.record(summary(300, 7), 20_000);
  assert.deepEqual(h.pod('u1'), { t: [10_000, 20_000], cpu: [200, 600], memory: [10, 14] });
  assert.deepEqual(h.node('n1'), { t: [10_000, 20_000], cpu: [1000, 3000], memory: [50, 70] });
  h.record(summary(400, 8), 75_000);
  assert.deepEqual(h.pod('u1').t, [20_000, 75_000]);
  // A new pod of the same name has its own series; the old one goes once it is older than the span.
  h.record(summary(1, 1, 'u2'), 140_000);
  assert.deepEqual(h.pod('u2').t, [140_000]);
  assert.deepEqual(h.pod('u1'), { t: [], cpu: [], memory: [] });
});
