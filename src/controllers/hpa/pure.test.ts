import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resourceReplicas, type PodMetric } from './replica-calculator.js';
import { normalizeDesiredReplicas, scaleDownLimit, scaleUpLimit, type NormalizeInput } from './normalize.js';
import { formatMilliQuantity, parseGoDurationMs, podMetricValues } from './metric-values.js';

const NOW = Date.parse('2024-01-01T01:00:00Z');
const OLD = '2024-01-01T00:00:00Z'; // started an hour ago: past the cpu initialization period
const S = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000, nowMs: NOW };

function pod(
  name: string,
  o: { phase?: string; ready?: boolean; cpu?: string; started?: string; readySince?: string } = {},
): Pod {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: o.cpu ?? '100m', memory: '64Mi' } } }],
    },
    status: {
      phase: o.phase ?? 'Running',
      startTime: o.started ?? OLD,
      conditions: [
        { type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? OLD },
      ],
    },
  };
}
const metrics = (entries: [string, number][]): Map<string, PodMetric> =>
  new Map(entries.map(([n, v]) => [n, { value: v, timestampMs: NOW - 1000, windowMs: 15_000 }]));

test('utilization: desired = ceil(ratio x ready pods); within tolerance 0.1 no change', () => {
  const pods = [pod('a'), pod('b')];
  // 80m of 100m each: 80% / 50% = 1.6 -> ceil(3.2) = 4
  assert.deepEqual(
    resourceReplicas(
      2,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 80],
        ['b', 80],
      ]),
      S,
    ),
    { replicas: 4, utilization: 80, rawAverage: 80, timestampMs: NOW - 1000 },
  );
  // 54% / 50% = 1.08: within tolerance
  assert.equal(
    resourceReplicas(
      2,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 54],
        ['b', 54],
      ]),
      S,
    ).replicas,
    2,
  );
  // 56% / 50% = 1.12: outside
  assert.equal(
    resourceReplicas(
      2,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 56],
        ['b', 56],
      ]),
      S,
    ).replicas,
    3,
  );
  // scale down: 10% / 50% -> ceil(0.4) = 1
  assert.equal(
    resourceReplicas(
      2,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 10],
        ['b', 10],
      ]),
      S,
    ).replicas,
    1,
  );
});

test('average value: ratio of the mean usage to the target', () => {
  const pods = [pod('a'), pod('b')];
  const r = resourceReplicas(
    2,
    { averageValue: 100 },
    'cpu',
    pods,
    metrics([
      ['a', 300],
      ['b', 100],
    ]),
    S,
  );
  assert.deepEqual([r.replicas, r.rawAverage, r.utilization], [4, 200, undefined]);
});

test('missing metrics: 100% of request on a scale-down, 0% on a scale-up; no direction flip', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  // scale-up: a,b at 100% (ratio 2); c missing counts 0 -> (100+100+0)/300 = 66% / 50% = 1.33 -> ceil(1.33 x 3) = 4
  assert.equal(
    resourceReplicas(
      3,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 100],
        ['b', 100],
      ]),
      S,
    ).replicas,
    4,
  );
  // scale-down: a,b at 10%; c counts 100% -> 40% / 50% = 0.8 -> ceil(2.4) = 3 = current
  assert.equal(
    resourceReplicas(
      3,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 10],
        ['b', 10],
      ]),
      S,
    ).replicas,
    3,
  );
  // scale-down with a lower fallback effect: a,b at 0% -> (0+0+100)/300 = 33% / 50% = 0.66 -> ceil(2) = 2
  assert.equal(
    resourceReplicas(
      3,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 0],
        ['b', 0],
      ]),
      S,
    ).replicas,
    2,
  );
});

test('unready pods: left out, and count 0% on a scale-up; Pending, deleting and Failed pods ignored', () => {
  const pods = [
    pod('a'),
    pod('b', {
      ready: false,
      started: new Date(NOW - 10_000).toISOString(),
      readySince: new Date(NOW - 10_000).toISOString(),
    }),
    pod('p', { phase: 'Pending' }),
    pod('f', { phase: 'Failed' }),
  ];
  // a at 200% (ratio 4); b unready counts 0 -> 100% / 50% = 2 over 2 pods -> 4
  assert.equal(
    resourceReplicas(
      2,
      { utilization: 50 },
      'cpu',
      pods,
      metrics([
        ['a', 200],
        ['b', 200],
        ['f', 500],
      ]),
      S,
    ).replicas,
    4,
  );
  // a pod in its initialization period whose sample predates readiness + window is unready
  const fresh = pod('n', {
    started: new Date(NOW - 20_000).toISOString(),
    readySince: new Date(NOW - 5_000).toISOString(),
  });
  assert.throws(
    () => resourceReplicas(1, { utilization: 50 }, 'cpu', [fresh], metrics([['n', 100]]), S),
    /pods might be unready/,
  );
  // memory ignores readiness
  assert.equal(resourceReplicas(1, { averageValue: 100 }, 'memory', [fresh], metrics([['n', 300]]), S).replicas, 3);
});

test('errors as Kubernetes words them', () => {
  assert.throws(
    () => resourceReplicas(1, { utilization: 50 }, 'cpu', [pod('a')], new Map(), S),
    /no metrics returned from resource metrics API/,
  );
  assert.throws(
    () => resourceReplicas(1, { utilization: 50 }, 'cpu', [], metrics([['a', 1]]), S),
    /no pods returned by selector/,
  );
  const noReq: Pod = { ...pod('a'), spec: { containers: [{ name: 'c', image: 'x' }] } };
  assert.throws(
    () => resourceReplicas(1, { utilization: 50 }, 'cpu', [noReq], metrics([['a', 1]]), S),
    /missing request for cpu in container c of Pod a/,
  );
});

const base = (o: Partial<NormalizeInput>): NormalizeInput => ({
  current: 2,
  desired: 2,
  min: 1,
  max: 10,
  downscaleWindowMs: 300_000,
  recommendations: [],
  scaleUpEvents: [],
  scaleDownEvents: [],
  nowMs: NOW,
  ...o,
});

test('no behavior: scale-down stabilized over 5 min; scale-up capped at max(2 x current, 4); min/max', () => {
  const recs = [
    { replicas: 5, atMs: NOW - 60_000 },
    { replicas: 8, atMs: NOW - 400_000 },
  ];
  const r = normalizeDesiredReplicas(base({ current: 5, desired: 2, recommendations: recs }));
  assert.equal(r.replicas, 5);
  assert.equal(r.ableToScale.reason, 'ScaleDownStabilized');
  assert.deepEqual(
    r.recommendations,
    [
      { replicas: 5, atMs: NOW - 60_000 },
      { replicas: 2, atMs: NOW },
    ],
    'the sample outside the window is replaced',
  );
  const up = normalizeDesiredReplicas(base({ current: 3, desired: 9 }));
  assert.deepEqual([up.replicas, up.scalingLimited.reason], [6, 'ScaleUpLimit']);
  const max = normalizeDesiredReplicas(base({ current: 3, desired: 9, max: 5 }));
  assert.deepEqual([max.replicas, max.scalingLimited.reason], [5, 'TooManyReplicas']);
  const min = normalizeDesiredReplicas(base({ current: 3, desired: 1, min: 2 }));
  assert.deepEqual([min.replicas, min.scalingLimited.reason], [2, 'TooFewReplicas']);
});

test('behavior: windows, policies Pods/Percent, selectPolicy Max/Min/Disabled', () => {
  const up = {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
  const down = {
    stabilizationWindowSeconds: 10,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
  // Kubernetes' default scale-up: max(+4, x2) from the period's start
  assert.equal(scaleUpLimit(1, [], [], up, NOW), 5);
  assert.equal(scaleUpLimit(10, [], [], up, NOW), 20);
  assert.equal(
    scaleUpLimit(10, [{ change: 5, atMs: NOW - 5000 }], [], up, NOW),
    10,
    'the period started at 5 replicas',
  );
  assert.equal(scaleUpLimit(10, [], [], { ...up, selectPolicy: 'Min' }, NOW), 14);
  assert.equal(scaleUpLimit(10, [], [], { ...up, selectPolicy: 'Disabled' }, NOW), 10);
  assert.equal(
    scaleDownLimit(10, [], [], { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, NOW),
    9,
  );
  assert.equal(
    scaleDownLimit(
      10,
      [],
      [{ change: 1, atMs: NOW - 30_000 }],
      { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
      NOW,
    ),
    10,
  );
  assert.equal(
    scaleDownLimit(
      10,
      [],
      [],
      {
        selectPolicy: 'Min',
        policies: [
          { type: 'Percent', value: 50, periodSeconds: 60 },
          { type: 'Pods', value: 2, periodSeconds: 60 },
        ],
      },
      NOW,
    ),
    8,
  );

  const behavior = { scaleUp: up, scaleDown: down };
  // scale-down within the 10 s window: held at the highest recent recommendation
  const held = normalizeDesiredReplicas(
    base({ current: 4, desired: 1, behavior, recommendations: [{ replicas: 4, atMs: NOW - 5000 }] }),
  );
  assert.deepEqual([held.replicas, held.ableToScale.reason], [4, 'ScaleDownStabilized']);
  const after = normalizeDesiredReplicas(
    base({ current: 4, desired: 1, behavior, recommendations: [{ replicas: 4, atMs: NOW - 11_000 }] }),
  );
  assert.equal(after.replicas, 1);
  // scale-up limited by the Pods policy
  const limited = normalizeDesiredReplicas(
    base({
      current: 2,
      desired: 12,
      behavior: { scaleUp: { ...up, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, scaleDown: down },
    }),
  );
  assert.deepEqual([limited.replicas, limited.scalingLimited.reason], [3, 'ScaleUpLimit']);
  // scale-up stabilization: the lowest recommendation of the window wins
  const slow = normalizeDesiredReplicas(
    base({
      current: 2,
      desired: 6,
      behavior: { scaleUp: { ...up, stabilizationWindowSeconds: 60 }, scaleDown: down },
      recommendations: [{ replicas: 3, atMs: NOW - 30_000 }],
    }),
  );
  assert.deepEqual([slow.replicas, slow.ableToScale.reason], [3, 'ScaleUpStabilized']);
});

test('metric values: milli sums per pod, Go durations, milli quantities', () => {
  const v = podMetricValues(
    [
      {
        metadata: { name: 'a' },
        timestamp: '2024-01-01T00:00:00Z',
        window: '10.5s',
        containers: [
          { name: 'x', usage: { cpu: '250m', memory: '64Mi' } },
          { name: 'y', usage: { cpu: '1500000n', memory: '1Ki' } },
        ],
      },
      { metadata: { name: 'b' }, containers: [] },
    ],
    'cpu',
  );
  assert.deepEqual([...v], [['a', { value: 252, timestampMs: Date.parse('2024-01-01T00:00:00Z'), windowMs: 10_500 }]]);
  assert.equal(
    podMetricValues([{ metadata: { name: 'a' }, containers: [{ name: 'x', usage: { memory: '1Ki' } }] }], 'memory').get(
      'a',
    )?.value,
    1_024_000,
  );
  assert.deepEqual(['250ms', '1m5s', '1h0m0s', 'bogus'].map(parseGoDurationMs), [250, 65_000, 3_600_000, 0]);
  assert.deepEqual([250, 2000, 8_388_608_000, 1e11, 0].map(formatMilliQuantity), ['250m', '2', '8388608', '100M', '0']);
});

test('scale targets: served kinds with a scale subresource; Scale objects and scaled objects read alike', async () => {
  const { scaleTargetType, readScale } = await import('./hpa-controller.js');
  assert.equal(scaleTargetType({ apiVersion: 'apps/v1', kind: 'StatefulSet' })?.plural, 'statefulsets');
  assert.equal(scaleTargetType({ apiVersion: 'apps/v1', kind: 'ReplicaSet' })?.plural, 'replicasets');
  assert.equal(scaleTargetType({ apiVersion: 'v1', kind: 'Pod' }), undefined);
  assert.equal(
    scaleTargetType({ apiVersion: 'apps/v1beta2', kind: 'Deployment' })?.version,
    'v1',
    'another version of the group and kind',
  );
  assert.deepEqual(
    readScale({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {},
      spec: { replicas: 3 },
      status: { replicas: 3, selector: 'app=web' },
    }),
    { replicas: 3, selector: 'app=web' },
  );
  assert.deepEqual(
    readScale({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {},
      spec: { replicas: 2, selector: { matchLabels: { app: 'db' } } },
    }),
    { replicas: 2, selector: 'app=db' },
  );
});
