import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { RecordingEventRecorder } from '../../machinery/events/event-recorder.js';
import { HpaController, POD_METRICS } from './hpa-controller.js';
import { DEPLOYMENTS, HPAS, PODS, STATEFULSETS } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2024-01-01T01:00:00Z');
const OLD = '2024-01-01T00:00:00Z';

function hpa(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'n', generation: 1 },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
      ...spec,
    },
  };
}
const deployment = (replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'n' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } } },
});
const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'n', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] },
  status: {
    phase: 'Running',
    startTime: OLD,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: OLD }],
  },
});
const usage = (name: string, cpu: string): KubeObject =>
  ({
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'PodMetrics',
    metadata: { name, namespace: 'n', labels: { app: 'web' } },
    timestamp: new Date(T0).toISOString(),
    window: '15s',
    containers: [{ name: 'c', usage: { cpu, memory: '10Mi' } }],
  }) as KubeObject;

async function setup(h: KubeObject, replicas: number, cpu: Record<string, string>) {
  const fake = new FakeClient();
  fake.seed(HPAS, h);
  fake.seed(DEPLOYMENTS, deployment(replicas));
  fake.seed(PODS, ...Object.keys(cpu).map(pod));
  fake.seed(POD_METRICS, ...Object.entries(cpu).map(([n, c]) => usage(n, c)));
  const hpas = new Informer(fake, HPAS, { log });
  const pods = new Informer(fake, PODS, { log });
  hpas.start();
  pods.start();
  await Promise.all([hpas.waitForSync(), pods.waitForSync()]);
  let now = T0;
  const recorder = new RecordingEventRecorder();
  const ctrl = new HpaController({
    client: fake,
    hpas,
    pods,
    recorder,
    log,
    now: () => now,
    settings: { syncPeriodMs: 15_000 },
  });
  return {
    fake,
    recorder,
    ctrl,
    setNow(ms: number) {
      now = ms;
    },
    setUsage(values: Record<string, string>) {
      for (const [n, c] of Object.entries(values)) fake.seed(POD_METRICS, usage(n, c));
    },
    async sync() {
      fake.actions.length = 0;
      return ctrl.reconcile({ namespace: 'n', name: 'web' });
    },
    status: () =>
      fake.peek(HPAS, 'n', 'web')?.status as Record<string, unknown> & {
        conditions: { type: string; status: string; reason: string }[];
      },
    stop: async () => {
      await hpas.stop();
      await pods.stop();
    },
  };
}

/** Writes to the scale subresource, with the replicas they set (the body is the whole Scale read before). */
const scaleActions = (f: FakeClient) =>
  f.actions
    .filter((a) => a.subresource === 'scale')
    .map((a) => [
      a.verb,
      a.resource,
      a.name,
      { spec: { replicas: (a.body as { spec?: { replicas?: number } }).spec?.replicas } },
    ]);

test('scale up on CPU utilization: scale updated, event, status with current metrics and conditions', async () => {
  const c = await setup(hpa(), 2, { a: '80m', b: '80m' });
  assert.deepEqual(await c.sync(), { requeueAfterMs: 15_000 });
  assert.deepEqual(scaleActions(c.fake), [['update', 'deployments', 'web', { spec: { replicas: 4 } }]]);
  assert.deepEqual(c.recorder.events, [
    'Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target',
  ]);
  const st = c.status();
  assert.equal(st.currentReplicas, 2);
  assert.equal(st.desiredReplicas, 4);
  assert.equal(st.lastScaleTime, new Date(T0).toISOString());
  assert.deepEqual(st.currentMetrics, [
    { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 80, averageValue: '80m' } } },
  ]);
  assert.deepEqual(
    st.conditions.map((x) => [x.type, x.status, x.reason]),
    [
      ['AbleToScale', 'True', 'SucceededRescale'],
      ['ScalingActive', 'True', 'ValidMetricFound'],
      ['ScalingLimited', 'False', 'DesiredWithinRange'],
    ],
  );
  await c.stop();
});

test('within tolerance: no scale, status only; a second reconcile within the period does nothing', async () => {
  const c = await setup(hpa(), 2, { a: '54m', b: '54m' });
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), []);
  assert.deepEqual(c.recorder.events, []);
  assert.equal(c.status().desiredReplicas, 2);
  assert.equal(c.status().lastScaleTime, undefined);
  c.setNow(T0 + 5000);
  assert.deepEqual(await c.sync(), { requeueAfterMs: 10_000 });
  assert.deepEqual(c.fake.actions, []);
  await c.stop();
});

test('max and min limits: ScalingLimited TooManyReplicas; below min scaled up at once', async () => {
  const c = await setup(hpa({ maxReplicas: 3 }), 2, { a: '100m', b: '100m' });
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), [['update', 'deployments', 'web', { spec: { replicas: 3 } }]]);
  assert.ok(
    c
      .status()
      .conditions.some((x) => x.type === 'ScalingLimited' && x.status === 'True' && x.reason === 'TooManyReplicas'),
  );
  await c.stop();
  const m = await setup(hpa({ minReplicas: 3 }), 1, { a: '50m' });
  await m.sync();
  assert.deepEqual(scaleActions(m.fake), [['update', 'deployments', 'web', { spec: { replicas: 3 } }]]);
  assert.deepEqual(m.recorder.events, [
    'Normal SuccessfulRescale New size: 3; reason: Current number of replicas below Spec.MinReplicas',
  ]);
  await m.stop();
});

test('scale down waits for the stabilization window (default 5 min without behavior)', async () => {
  const c = await setup(hpa(), 2, { a: '10m', b: '10m' });
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), [], 'the initial recommendation (2) holds');
  assert.ok(c.status().conditions.some((x) => x.reason === 'ScaleDownStabilized'));
  c.setNow(T0 + 301_000);
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), [['update', 'deployments', 'web', { spec: { replicas: 1 } }]]);
  assert.deepEqual(c.recorder.events, ['Normal SuccessfulRescale New size: 1; reason: All metrics below target']);
  await c.stop();
});

test('behavior: short scale-down window and a Pods policy limiting the step', async () => {
  const behavior = {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: 30,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
  const c = await setup(hpa({ behavior }), 2, { a: '100m', b: '100m' });
  await c.sync();
  assert.deepEqual(
    scaleActions(c.fake),
    [['update', 'deployments', 'web', { spec: { replicas: 3 } }]],
    'one pod per minute',
  );
  assert.ok(c.status().conditions.some((x) => x.type === 'ScalingLimited' && x.reason === 'ScaleUpLimit'));
  c.setNow(T0 + 20_000);
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), [], 'the Pods policy allows no more within its period');
  // usage drops: scale-down held by the 30 s window, then done (syncs at least 15 s apart)
  c.setUsage({ a: '5m', b: '5m' });
  c.setNow(T0 + 40_000);
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), [], 'the recommendation of T0+20 s (4) is within the 30 s window');
  assert.ok(c.status().conditions.some((x) => x.reason === 'ScaleDownStabilized'));
  c.setNow(T0 + 60_000);
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), [['update', 'deployments', 'web', { spec: { replicas: 1 } }]]);
  await c.stop();
});

test('no metrics: ScalingActive False FailedGetResourceMetric, warning events, no scale', async () => {
  const c = await setup(hpa(), 2, {});
  c.fake.seed(PODS, pod('a'));
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), []);
  const active = c.status().conditions.find((x) => x.type === 'ScalingActive');
  assert.deepEqual([active?.status, active?.reason], ['False', 'FailedGetResourceMetric']);
  assert.deepEqual(c.recorder.events, [
    'Warning FailedGetResourceMetric failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    'Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
  ]);
  assert.deepEqual(c.status().currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: {} } }]);
  await c.stop();
});

test('missing target: AbleToScale False FailedGetScale; zero replicas disable scaling', async () => {
  const c = await setup(hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' } }), 2, {
    a: '80m',
  });
  await c.sync();
  assert.ok(
    c
      .status()
      .conditions.some((x) => x.type === 'AbleToScale' && x.status === 'False' && x.reason === 'FailedGetScale'),
  );
  assert.match(c.recorder.events[0] ?? '', /^Warning FailedGetScale /);
  await c.stop();
  const z = await setup(hpa(), 0, { a: '80m' });
  await z.sync();
  assert.deepEqual(scaleActions(z.fake), []);
  assert.ok(
    z
      .status()
      .conditions.some((x) => x.type === 'ScalingActive' && x.status === 'False' && x.reason === 'ScalingDisabled'),
  );
  await z.stop();
});

test('a StatefulSet on memory AverageValue: scaled through its scale subresource, status in bytes', async () => {
  const h = hpa({
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' },
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '20Mi' } } },
    ],
  });
  const c = await setup(h, 1, { a: '1m', b: '1m' });
  c.fake.seed(STATEFULSETS, {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'n' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
  });
  // usage() gives every pod 10Mi of memory: half the target -> ceil(0.5 x 2) = 1, held by the default window.
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), []);
  assert.deepEqual(c.status().currentMetrics, [
    { type: 'Resource', resource: { name: 'memory', current: { averageValue: '10485760' } } },
  ]);
  assert.equal(c.status().desiredReplicas, 2);
  c.setNow(T0 + 301_000);
  await c.sync();
  assert.deepEqual(scaleActions(c.fake), [['update', 'statefulsets', 'db', { spec: { replicas: 1 } }]]);
  assert.deepEqual(c.recorder.events, ['Normal SuccessfulRescale New size: 1; reason: All metrics below target']);
  await c.stop();
});
