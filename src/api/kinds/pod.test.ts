import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { getStrategy } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const pods = getStrategy('', 'Pod');

function pod(extra: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z' },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
    status,
  };
}

test('pod defaults: spec, containers, probes, volumes, pod-only fields, status', () => {
  const p = pod({
    containers: [
      {
        name: 'app',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80 }],
        resources: { limits: { cpu: '1', memory: '1Gi' } },
        livenessProbe: { httpGet: { port: 80 } },
      },
      { name: 'side', image: 'busybox' },
    ],
    volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'scratch' }],
  });
  pods.applyDefaults?.(p);
  const spec = p.spec as Record<string, unknown> & {
    containers: Array<Record<string, unknown>>;
    volumes: Array<Record<string, unknown>>;
  };
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.priority, 0);
  assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
  assert.equal(spec.serviceAccountName, 'default');
  const [app, side] = spec.containers;
  assert.equal(app.imagePullPolicy, 'IfNotPresent');
  assert.equal(side.imagePullPolicy, 'Always');
  assert.equal(app.terminationMessagePath, '/dev/termination-log');
  assert.equal(app.terminationMessagePolicy, 'File');
  assert.deepEqual(app.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual((app.resources as Record<string, unknown>).requests, { cpu: '1', memory: '1Gi' });
  assert.deepEqual(side.resources, {});
  assert.deepEqual(app.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(spec.volumes[0], { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } });
  assert.deepEqual(spec.volumes[1], { name: 'scratch', emptyDir: {} });
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'Burstable' }, 'side has no limits');
  assert.equal(
    spec.tolerations,
    undefined,
    'default tolerations come from the API server admission (a cluster setting)',
  );
  const again = structuredClone(p);
  pods.applyDefaults?.(again);
  assert.deepEqual(again, p, 'defaults are idempotent');
});

test('pod validation reports Kubernetes field paths and messages', () => {
  const p = pod({
    containers: [
      {
        name: 'App',
        image: '',
        ports: [{ containerPort: 70000, protocol: 'HTTP' }],
        resources: { limits: { cpu: '1' }, requests: { cpu: '2' } },
        volumeMounts: [{ name: 'missing', mountPath: '/x' }],
      },
      { name: 'App', image: 'x' },
    ],
    restartPolicy: 'Sometimes',
    volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/' } }],
  });
  const msgs = (pods.validate?.(p) ?? []).map((e) => `${e.field}: ${e.message}`);
  assert.ok(msgs.includes('spec.containers[0].image: Required value'), msgs.join('\n'));
  assert.ok(
    msgs.some((m) => m.startsWith('spec.containers[0].name: Invalid value: "App": a lowercase RFC 1123 label')),
  );
  assert.ok(msgs.includes('spec.containers[1].name: Duplicate value: "App"'));
  assert.ok(
    msgs.includes(
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ),
  );
  assert.ok(
    msgs.includes(
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ),
  );
  assert.ok(
    msgs.includes(
      'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ),
  );
  assert.ok(msgs.includes('spec.containers[0].volumeMounts[0].name: Not found: "missing"'));
  assert.ok(
    msgs.includes(
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ),
  );
  assert.ok(msgs.includes('spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type'));
  const empty = pod({ containers: [] });
  pods.applyDefaults?.(empty);
  assert.deepEqual(
    pods.validate?.(empty)?.map((e) => `${e.field}: ${e.message}`),
    ['spec.containers: Required value'],
  );
});

test('pod updates may only change images and a few fields', () => {
  const old = pod();
  pods.applyDefaults?.(old);
  const imageChange = structuredClone(old);
  (imageChange.spec as { containers: Array<{ image: string }> }).containers[0].image = 'nginx:2';
  assert.deepEqual(pods.validate?.(imageChange, old), []);
  const other = structuredClone(old);
  (other.spec as { restartPolicy: string }).restartPolicy = 'Never';
  const errs = pods.validate?.(other, old) ?? [];
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, 'spec');
  assert.match(
    errs[0].message,
    /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
  );
});

function cells(p: KubeObject): unknown[] {
  return pods.table.row(p, now);
}

test('pod table: columns and STATUS variants', () => {
  assert.deepEqual(
    pods.table.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1'],
  );
  const running = pod(
    { nodeName: 'n1' },
    {
      phase: 'Running',
      podIP: '10.0.0.5',
      podIPs: [{ ip: '10.0.0.5' }],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 2,
          image: 'nginx',
          imageID: '',
          state: { running: {} },
          lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:59:00Z' } },
        },
      ],
    },
  );
  assert.deepEqual(cells(running), [
    'web',
    '1/1',
    'Running',
    '2 (60s ago)',
    '5m',
    '10.0.0.5',
    'n1',
    '<none>',
    '<none>',
  ]);
  const creating = pod(
    {},
    {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          image: '',
          imageID: '',
          state: { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    },
  );
  assert.deepEqual(cells(creating).slice(1, 4), ['0/1', 'ContainerCreating', '0']);
  const crash = pod(
    {},
    {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 4,
          image: '',
          imageID: '',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        },
      ],
    },
  );
  assert.equal(cells(crash)[2], 'CrashLoopBackOff');
  assert.equal(cells(crash)[3], '4');
  const done = pod(
    {},
    {
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          image: '',
          imageID: '',
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    },
  );
  assert.equal(cells(done)[2], 'Completed');
  const exit = pod(
    {},
    {
      phase: 'Failed',
      containerStatuses: [
        { name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 3 } } },
      ],
    },
  );
  assert.equal(cells(exit)[2], 'ExitCode:3');
  const init = pod(
    {
      initContainers: [
        { name: 'i1', image: 'x' },
        { name: 'i2', image: 'x' },
      ],
    },
    {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'i1', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0 } } },
        { name: 'i2', ready: false, restartCount: 0, image: '', imageID: '', state: { running: {} } },
      ],
    },
  );
  assert.equal(cells(init)[2], 'Init:1/2');
  const terminating = pod({}, { phase: 'Running' });
  terminating.metadata.deletionTimestamp = '2024-05-01T11:59:00Z';
  assert.equal(cells(terminating)[2], 'Terminating');
  assert.equal(cells(pod({}, { phase: 'Pending' }))[2], 'Pending');
});

test('pod selectable fields', () => {
  const p = pod({ nodeName: 'n1' }, { phase: 'Running' });
  pods.applyDefaults?.(p);
  const f = pods.selectableFields?.(p) ?? {};
  assert.equal(f['spec.nodeName'], 'n1');
  assert.equal(f['status.phase'], 'Running');
  assert.equal(f['spec.restartPolicy'], 'Always');
  assert.equal(f['spec.hostNetwork'], 'false');
});
