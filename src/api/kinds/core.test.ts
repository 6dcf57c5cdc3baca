import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { getStrategy } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string, namespace?: string): KubeObject['metadata'] => ({
  name,
  ...(namespace ? { namespace } : {}),
  creationTimestamp: '2024-04-28T12:00:00Z',
});
const msgs = (errs: Array<{ field: string; message: string }> | undefined): string[] =>
  (errs ?? []).map((e) => `${e.field}: ${e.message}`);

test('service defaults and table', () => {
  const s = getStrategy('', 'Service');
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web', 'default'),
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  };
  s.applyDefaults?.(svc);
  const spec = svc.spec as Record<string, unknown> & { ports: Array<Record<string, unknown>> };
  assert.equal(spec.type, 'ClusterIP');
  assert.equal(spec.sessionAffinity, 'None');
  assert.deepEqual(spec.ports[0], { port: 80, protocol: 'TCP', targetPort: 80 });
  assert.equal(spec.internalTrafficPolicy, 'Cluster');
  assert.equal(spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(spec.ipFamilies, ['IPv4']);
  assert.equal(spec.externalTrafficPolicy, undefined);
  assert.deepEqual(s.validate?.(svc), []);
  spec.clusterIP = '10.96.0.10';
  spec.clusterIPs = ['10.96.0.10'];
  assert.deepEqual(s.table.row(svc, now), ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '3d', 'app=web']);
  const np: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('np', 'default'),
    spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
  };
  s.applyDefaults?.(np);
  assert.equal((np.spec as Record<string, unknown>).externalTrafficPolicy, 'Cluster');
  assert.equal(s.table.row(np, now)[4], '80:30080/TCP');
  const lb: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('lb', 'default'),
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
  };
  s.applyDefaults?.(lb);
  assert.equal(s.table.row(lb, now)[3], '<pending>');
});

test('service validation', () => {
  const s = getStrategy('', 'Service');
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('Web', 'default'),
    spec: { type: 'Magic', ports: [{ port: 80 }, { port: 0, nodePort: 80 }] },
  };
  s.applyDefaults?.(svc);
  const m = msgs(s.validate?.(svc));
  assert.ok(
    m.some((x) =>
      x.startsWith(
        'metadata.name: Invalid value: "Web": a DNS-1035 label must consist of lower case alphanumeric characters',
      ),
    ),
    m.join('\n'),
  );
  assert.ok(
    m.includes(
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ),
  );
  assert.ok(m.includes('spec.ports[0].name: Required value'));
  assert.ok(m.includes('spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive'));
  const noPorts: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: meta('x', 'default'), spec: {} };
  s.applyDefaults?.(noPorts);
  assert.deepEqual(msgs(s.validate?.(noPorts)), ['spec.ports: Required value']);
  const headless: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('h', 'default'),
    spec: { clusterIP: 'None' },
  };
  s.applyDefaults?.(headless);
  assert.deepEqual(s.validate?.(headless), []);
  const old: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('x', 'default'),
    spec: { clusterIP: '10.0.0.1', ports: [{ port: 80 }] },
  };
  s.applyDefaults?.(old);
  const upd = structuredClone(old);
  (upd.spec as Record<string, unknown>).clusterIP = '10.0.0.2';
  assert.deepEqual(msgs(s.validate?.(upd, old)), [
    'spec.clusterIPs[0]: Invalid value: "10.0.0.2": may not change once set',
  ]);
});

test('node table: status, roles, wide cells; selectable unschedulable', () => {
  const s = getStrategy('', 'Node');
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { ...meta('n1'), labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
      nodeInfo: {
        kubeletVersion: 'v1.30.0',
        osImage: 'Debian',
        kernelVersion: '6.1',
        containerRuntimeVersion: 'flotilla://0.1',
      },
    },
  };
  assert.deepEqual(s.table.row(node, now), [
    'n1',
    'Ready,SchedulingDisabled',
    'control-plane',
    '3d',
    'v1.30.0',
    '172.18.0.2',
    '<none>',
    'Debian',
    '6.1',
    'flotilla://0.1',
  ]);
  const notReady = {
    ...node,
    metadata: meta('n2'),
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
  };
  assert.deepEqual(s.table.row(notReady, now).slice(0, 3), ['n2', 'NotReady', '<none>']);
  assert.equal(s.selectableFields?.(node)['spec.unschedulable'], 'true');
});

test('namespace defaults, DNS-label names, table', () => {
  const s = getStrategy('', 'Namespace');
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: meta('team-a') };
  s.applyDefaults?.(ns);
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.equal(ns.metadata.labels?.['kubernetes.io/metadata.name'], 'team-a');
  assert.deepEqual(s.table.row(ns, now), ['team-a', 'Active', '3d']);
  assert.equal(
    msgs(s.validate?.({ ...ns, metadata: meta('a.b') }))[0].slice(0, 60),
    'metadata.name: Invalid value: "a.b": a lowercase RFC 1123 la',
  );
});

test('events: table row, field selectors, conversion to events.k8s.io/v1 and back', () => {
  const s = getStrategy('', 'Event');
  const ev: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta('web.17a', 'default'),
    involvedObject: {
      kind: 'Pod',
      namespace: 'default',
      name: 'web',
      uid: 'u1',
      apiVersion: 'v1',
      fieldPath: 'spec.containers{app}',
    },
    reason: 'Pulled',
    message: 'Pulled image  ',
    type: 'Normal',
    count: 3,
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: '2024-05-01T11:00:00Z',
    lastTimestamp: '2024-05-01T11:59:00Z',
  };
  assert.deepEqual(
    s.table.columns.map((c) => `${c.name}:${c.priority}`),
    [
      'Last Seen:0',
      'Type:0',
      'Reason:0',
      'Object:0',
      'Subobject:1',
      'Source:1',
      'Message:0',
      'First Seen:1',
      'Count:1',
      'Name:1',
    ],
  );
  assert.deepEqual(s.table.row(ev, now), [
    '60s',
    'Normal',
    'Pulled',
    'pod/web',
    'spec.containers{app}',
    'kubelet, n1',
    'Pulled image',
    '60m',
    3,
    'web.17a',
  ]);
  const f = s.selectableFields?.(ev) ?? {};
  assert.equal(f['involvedObject.name'], 'web');
  assert.equal(f['involvedObject.uid'], 'u1');
  assert.equal(f.reason, 'Pulled');
  assert.equal(f.source, 'kubelet');
  const v1 = s.convert?.(ev, 'events.k8s.io/v1') as Record<string, unknown>;
  assert.equal(v1.apiVersion, 'events.k8s.io/v1');
  assert.deepEqual(v1.regarding, ev.involvedObject);
  assert.equal(v1.note, 'Pulled image  ');
  assert.equal(v1.deprecatedCount, 3);
  assert.deepEqual(v1.deprecatedSource, { component: 'kubelet', host: 'n1' });
  assert.equal(v1.involvedObject, undefined);
  const back = getStrategy('events.k8s.io', 'Event').convert?.(v1 as KubeObject, 'v1');
  assert.deepEqual(back, ev);
  const series: KubeObject = {
    ...ev,
    count: undefined,
    series: { count: 7, lastObservedTime: '2024-05-01T11:59:50.000000Z' },
  };
  assert.deepEqual(s.table.row(series, now).slice(0, 1), ['10s']);
  assert.equal(s.table.row(series, now)[8], 7);
});

test('configmap and secret: keys, stringData, immutability, tables', () => {
  const cm = getStrategy('', 'ConfigMap');
  const c: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('c', 'default'),
    data: { 'a.txt': 'x', 'bad/key': 'y' },
  };
  assert.deepEqual(
    msgs(cm.validate?.(c)).map((m) => m.slice(0, 40)),
    ['data[bad/key]: Invalid value: "bad/key":'],
  );
  assert.deepEqual(cm.table.row(c, now), ['c', 2, '3d']);
  const sec = getStrategy('', 'Secret');
  const s: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta('s', 'default'),
    stringData: { password: 'hunter2' },
  };
  sec.applyDefaults?.(s);
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { password: Buffer.from('hunter2').toString('base64') });
  assert.equal(s.stringData, undefined);
  assert.deepEqual(sec.table.row(s, now), ['s', 'Opaque', 1, '3d']);
  const tls: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta('t', 'default'),
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': '' },
  };
  assert.deepEqual(msgs(sec.validate?.(tls)), ['data[tls.key]: Required value']);
  const imm = { ...s, immutable: true };
  assert.deepEqual(msgs(sec.validate?.({ ...imm, data: { password: 'eA==' } }, imm)), [
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
  assert.deepEqual(msgs(sec.validate?.({ ...s, type: 'Other' }, s)), [
    'type: Invalid value: "Other": field is immutable',
  ]);
});

test('hpa: v2 defaults, v1 <-> v2 conversion, table', () => {
  const s = getStrategy('autoscaling', 'HorizontalPodAutoscaler');
  const v1: KubeObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('web', 'default'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 50,
    },
  };
  s.applyDefaults?.(v1);
  assert.equal((v1.spec as Record<string, unknown>).minReplicas, 1);
  const v2 = s.convert?.(v1, 'autoscaling/v2') as KubeObject;
  assert.deepEqual((v2.spec as Record<string, unknown>).metrics, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
  ]);
  const withMemory = structuredClone(v2);
  (withMemory.spec as { metrics: unknown[] }).metrics.push({
    type: 'Resource',
    resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } },
  });
  (withMemory.spec as Record<string, unknown>).behavior = { scaleDown: { stabilizationWindowSeconds: 60 } };
  s.applyDefaults?.(withMemory);
  const behavior = (
    withMemory.spec as { behavior: { scaleUp: Record<string, unknown>; scaleDown: Record<string, unknown> } }
  ).behavior;
  assert.equal(behavior.scaleUp.selectPolicy, 'Max');
  assert.equal(behavior.scaleDown.stabilizationWindowSeconds, 60);
  const down = s.convert?.(withMemory, 'autoscaling/v1') as KubeObject;
  assert.equal((down.spec as Record<string, unknown>).targetCPUUtilizationPercentage, 50);
  assert.ok(
    down.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics']?.includes('"targetAverageValue":"500Mi"'),
  );
  const up = s.convert?.(down, 'autoscaling/v2') as KubeObject;
  assert.deepEqual((up.spec as Record<string, unknown>).metrics, (withMemory.spec as Record<string, unknown>).metrics);
  assert.deepEqual((up.spec as Record<string, unknown>).behavior, behavior);
  assert.equal(up.metadata.annotations, undefined);
  const empty: KubeObject = { ...v2, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } };
  s.applyDefaults?.(empty);
  assert.deepEqual(s.table.row(empty, now), ['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 3, 0, '3d']);
  assert.deepEqual(
    msgs(
      s.validate?.({
        ...empty,
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 4, maxReplicas: 3 },
      }),
    ),
    ['spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`'],
  );
});

test('getStrategy falls back to NAME/AGE for unknown kinds', () => {
  const s = getStrategy('example.com', 'Widget');
  assert.deepEqual(
    s.table.columns.map((c) => c.name),
    ['Name', 'Age'],
  );
  assert.deepEqual(s.table.row({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: meta('w', 'default') }, now), [
    'w',
    '3d',
  ]);
  assert.deepEqual(
    msgs(s.validate?.({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { namespace: 'default' } })),
    ['metadata.name: Required value: name or generateName is required'],
  );
  assert.deepEqual(
    msgs(
      getStrategy('example.com', 'Gadget', false).validate?.({
        apiVersion: 'example.com/v1',
        kind: 'Gadget',
        metadata: { name: 'g' },
      }),
    ),
    [],
  );
});

test('pvc update: a claim without a class may get one (retroactive default); a set class is immutable', () => {
  const s = getStrategy('', 'PersistentVolumeClaim');
  const pvc = (cls?: string) =>
    ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'c', namespace: 'd' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        ...(cls ? { storageClassName: cls } : {}),
      },
    }) as unknown as KubeObject;
  const noClass = pvc();
  s.applyDefaults?.(noClass);
  const withClass = pvc('local-path');
  s.applyDefaults?.(withClass);
  assert.deepEqual(s.validate?.(withClass, noClass) ?? [], []);
  const other = pvc('fast');
  s.applyDefaults?.(other);
  assert.ok((s.validate?.(other, withClass) ?? []).length > 0);
});
