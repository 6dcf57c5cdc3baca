import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuRates } from './cpu-rate.js';
import { parseMeminfo, parseProcStatCpu, readNodeSample } from './proc-stats.js';
import { detectCgroupLayout, readCgroup, statValue } from './cgroup-stats.js';
import { resourceMetricsText } from './resource-metrics.js';

test('CpuRates: no rate on the first sample, then nano-cores over the kept interval', () => {
  const r = new CpuRates(1000);
  assert.equal(r.update('a', 1e9, 0), undefined);
  assert.equal(r.update('a', 1.5e9, 500), 1e9, 'first rate from a short interval: 0.5 s of CPU in 0.5 s = 1 core');
  assert.equal(r.update('a', 1.6e9, 900), 1e9, 'too soon after the kept sample: previous rate');
  assert.equal(r.update('a', 1.75e9, 1500), 250_000_000);
  assert.equal(r.update('a', 1e6, 2000), undefined, 'a counter reset starts over');
  r.retain(new Set());
  assert.equal(r.has('a'), false);
});

test('/proc parsing: CPU ticks to ns and the working set', () => {
  assert.equal(
    parseProcStatCpu('cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 1 1 1 1\n'),
    (100 + 5 + 50 + 3 + 2 + 1) * 10_000_000,
  );
  const m = parseMeminfo(
    'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    500 kB\nInactive(file):  300 kB\n',
  );
  assert.deepEqual(m, { memoryUsageBytes: 800 * 1024, workingSetBytes: 500 * 1024, availableBytes: 500 * 1024 });
  assert.equal(statValue('cache 1\ntotal_inactive_file 42\n', 'total_inactive_file'), 42);
});

test('this host: node sample and the root cgroup are readable', async () => {
  const n = await readNodeSample();
  assert.ok(n.cpuNs > 0 && n.workingSetBytes > 0);
  const root = await readCgroup(detectCgroupLayout(), '/');
  assert.ok(root && root.cpuNs > 0 && root.memoryUsageBytes > 0, JSON.stringify(root));
});

test('/metrics/resource text names the kubelet metrics', () => {
  const t = '2026-01-01T00:00:00.000Z';
  const text = resourceMetricsText({
    node: {
      nodeName: 'n',
      startTime: t,
      cpu: { time: t, usageCoreNanoSeconds: 2e9 },
      memory: { time: t, usageBytes: 10, workingSetBytes: 5 },
    },
    pods: [
      {
        podRef: { name: 'p', namespace: 'ns', uid: 'u' },
        startTime: t,
        containers: [
          {
            name: 'c',
            startTime: t,
            cpu: { time: t, usageCoreNanoSeconds: 5e8 },
            memory: { time: t, usageBytes: 3, workingSetBytes: 2 },
          },
        ],
      },
    ],
  });
  assert.match(text, /^container_cpu_usage_seconds_total\{container="c",namespace="ns",pod="p"\} 0\.5 1767225600000$/m);
  assert.match(text, /^node_memory_working_set_bytes 5 1767225600000$/m);
  assert.match(text, /^resource_scrape_error 0$/m);
});
