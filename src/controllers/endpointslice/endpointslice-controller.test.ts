import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../api/object.js';
import { Informer } from '../../machinery/client/informer.js';
import { GenerateNameFakeClient } from '../replicaset/fake-cluster.js';
import { EndpointSliceController } from './endpointslice-controller.js';
import { EndpointsController } from './endpoints-controller.js';
import { ENDPOINTS, ENDPOINT_SLICES, NODES, PODS, SERVICES } from '../../machinery/resources/well-known.js';

const log = pino({ level: 'silent' });
const SVC_UID = 'svc-uid';
const OWNER = {
  apiVersion: 'v1',
  kind: 'Service',
  name: 'web',
  uid: SVC_UID,
  controller: true,
  blockOwnerDeletion: true,
};
const LABELS = {
  app: 'web',
  'kubernetes.io/service-name': 'web',
  'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
};

function service(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'n', uid: SVC_UID, labels: { app: 'web' } },
    spec: {
      selector: { app: 'web' },
      clusterIP: '10.43.0.20',
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9090, protocol: 'TCP' },
      ],
      ...extra,
    },
  };
}

function pod(
  name: string,
  ip: string | undefined,
  o: { ready?: boolean; deleting?: boolean; node?: string; labels?: Record<string, string>; portName?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'n',
      uid: `uid-${name}`,
      labels: o.labels ?? { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: o.node ?? 'node-a',
      containers: [{ name: 'c', image: 'nginx', ports: [{ name: o.portName ?? 'http', containerPort: 8080 }] }],
    },
    status: {
      phase: 'Running',
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function endpoint(
  name: string,
  ip: string,
  c: { ready: boolean; serving: boolean; terminating: boolean },
  zone?: string,
) {
  return {
    addresses: [ip],
    conditions: c,
    nodeName: 'node-a',
    ...(zone ? { zone } : {}),
    targetRef: { kind: 'Pod', namespace: 'n', name, uid: `uid-${name}` },
  };
}
const READY = { ready: true, serving: true, terminating: false };
const PORTS = [
  { name: 'http', port: 8080, protocol: 'TCP' },
  { name: 'metrics', port: 9090, protocol: 'TCP' },
];

async function setup(
  objs: {
    services?: KubeObject[];
    pods?: KubeObject[];
    slices?: KubeObject[];
    endpoints?: KubeObject[];
    nodes?: KubeObject[];
  },
  max?: number,
) {
  const fake = new GenerateNameFakeClient();
  fake.seed(SERVICES, ...(objs.services ?? []));
  fake.seed(PODS, ...(objs.pods ?? []));
  fake.seed(ENDPOINT_SLICES, ...(objs.slices ?? []));
  fake.seed(ENDPOINTS, ...(objs.endpoints ?? []));
  fake.seed(NODES, ...(objs.nodes ?? []));
  const services = new Informer(fake, SERVICES, { log });
  const pods = new Informer(fake, PODS, { log });
  const slices = new Informer(fake, ENDPOINT_SLICES, { log });
  const endpoints = new Informer(fake, ENDPOINTS, { log });
  const nodes = new Informer(fake, NODES, { log });
  const all = [services, pods, slices, endpoints, nodes];
  for (const i of all) i.start();
  await Promise.all(all.map((i) => i.waitForSync()));
  const ctrl = new EndpointSliceController({
    client: fake,
    services,
    pods,
    slices,
    nodes,
    log,
    maxEndpointsPerSlice: max,
  });
  const epCtrl = new EndpointsController({ client: fake, services, pods, endpoints });
  const settle = () => new Promise((r) => setImmediate(r));
  return { fake, ctrl, epCtrl, settle, stop: () => Promise.all(all.map((i) => i.stop())) };
}

test('a Service with a selector gets one owned, labelled IPv4 slice of its pods with named ports resolved', async () => {
  const { fake, ctrl, stop } = await setup({
    services: [service()],
    pods: [
      pod('b', '10.42.0.11', { ready: false }),
      pod('a', '10.42.0.10'),
      pod('c', '10.42.0.12', { deleting: true }),
      pod('nip', undefined),
      pod('other', '10.42.0.13', { labels: { app: 'db' } }),
    ],
    nodes: [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/zone': 'z1' } } },
    ],
  });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(fake.actions, [
    {
      verb: 'create',
      resource: 'endpointslices',
      namespace: 'n',
      name: '',
      body: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { generateName: 'web-', namespace: 'n', labels: LABELS, ownerReferences: [OWNER] },
        addressType: 'IPv4',
        ports: PORTS,
        endpoints: [
          endpoint('a', '10.42.0.10', READY, 'z1'),
          endpoint('b', '10.42.0.11', { ready: false, serving: false, terminating: false }, 'z1'),
          endpoint('c', '10.42.0.12', { ready: false, serving: true, terminating: true }, 'z1'),
        ],
      },
    },
  ]);
  await stop();
});

test('second sync with nothing changed writes nothing; a pod turning unready updates the slice in place', async () => {
  const { fake, ctrl, settle, stop } = await setup({
    services: [service()],
    pods: [pod('a', '10.42.0.10'), pod('b', '10.42.0.11')],
  });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  await settle();
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.equal(fake.actions.length, 1, 'idempotent');
  const b = await fake.get(PODS, 'n', 'b');
  await fake.updateStatus(PODS, 'n', {
    ...b,
    status: { ...(b.status as object), conditions: [{ type: 'Ready', status: 'False' }] },
  });
  await settle();
  assert.deepEqual(ctrl.keysForPod(await fake.get(PODS, 'n', 'b')), [{ namespace: 'n', name: 'web' }]);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const update = fake.actions[2];
  assert.equal(update.verb, 'update');
  assert.equal(update.name, 'web-1');
  assert.deepEqual((update.body as { endpoints: unknown }).endpoints, [
    endpoint('a', '10.42.0.10', READY),
    endpoint('b', '10.42.0.11', { ready: false, serving: false, terminating: false }),
  ]);
  await stop();
});

test('max endpoints per slice: 5 pods at max 2 make 3 slices; removing one pod touches only its slice', async () => {
  const pods = [1, 2, 3, 4, 5].map((i) => pod(`p${i}`, `10.42.0.${i}`));
  const { fake, ctrl, settle, stop } = await setup({ services: [service()], pods }, 2);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => (a.body as { endpoints: { addresses: string[] }[] }).endpoints.map((e) => e.addresses[0])),
    [['10.42.0.1', '10.42.0.2'], ['10.42.0.3', '10.42.0.4'], ['10.42.0.5']],
  );
  await settle();
  await fake.delete(PODS, 'n', 'p3');
  await settle();
  assert.deepEqual(
    ctrl.keysForPod(pods[2]),
    [{ namespace: 'n', name: 'web' }],
    'a deleted pod maps to the Service that listed it',
  );
  fake.actions.length = 0;
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.name]),
    [['update', 'web-2']],
  );
  assert.deepEqual(
    (fake.actions[0].body as { endpoints: { addresses: string[] }[] }).endpoints.map((e) => e.addresses[0]),
    ['10.42.0.4'],
  );
  await stop();
});

test('pods resolving a named port differently land in separate slices; a pod without the port only gets the numeric one', async () => {
  const { fake, ctrl, stop } = await setup({
    services: [service()],
    pods: [pod('a', '10.42.0.10'), pod('x', '10.42.0.20', { portName: 'web' })],
  });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const bodies = fake.actions.map((a) => a.body as { ports: unknown; endpoints: { addresses: string[] }[] });
  assert.deepEqual(
    bodies.map((b) => [b.ports, b.endpoints.map((e) => e.addresses[0])]),
    [
      [PORTS, ['10.42.0.10']],
      [[{ name: 'metrics', port: 9090, protocol: 'TCP' }], ['10.42.0.20']],
    ],
  );
  await stop();
});

test('no pods: one empty placeholder slice; ExternalName: managed slices deleted; no selector: untouched', async () => {
  const { fake, ctrl, settle, stop } = await setup({ services: [service()] });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => [
      a.verb,
      (a.body as { ports: unknown; endpoints: unknown }).ports,
      (a.body as { endpoints: unknown }).endpoints,
    ]),
    [['create', [], []]],
  );
  await settle();
  const svc = await fake.get(SERVICES, 'n', 'web');
  await fake.update(SERVICES, 'n', { ...svc, spec: { type: 'ExternalName', externalName: 'example.com' } });
  await settle();
  fake.actions.length = 0;
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource, a.name]),
    [['delete', 'endpointslices', 'web-1']],
  );
  fake.actions.length = 0;
  const svc2 = await fake.get(SERVICES, 'n', 'web');
  await fake.update(SERVICES, 'n', { ...svc2, spec: { ports: [{ port: 80 }] } });
  await settle();
  fake.actions.length = 0;
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(fake.actions, []);
  await stop();
});

test('headless Service: slices carry the headless label and endpoint hostnames of pods in its subdomain', async () => {
  const p = pod('web-0', '10.42.0.10');
  (p.spec as Record<string, unknown>).hostname = 'web-0';
  (p.spec as Record<string, unknown>).subdomain = 'web';
  const { fake, ctrl, stop } = await setup({ services: [service({ clusterIP: 'None' })], pods: [p] });
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  const body = fake.actions[0].body as {
    metadata: { labels: Record<string, string> };
    endpoints: { hostname?: string }[];
  };
  assert.equal(body.metadata.labels['service.kubernetes.io/headless'], '');
  assert.equal(body.endpoints[0].hostname, 'web-0');
  await stop();
});

test('Endpoints: ready and not-ready addresses with resolved ports; unchanged means no write; a deleted Service loses its Endpoints', async () => {
  const { fake, epCtrl, settle, stop } = await setup({
    services: [service()],
    pods: [
      pod('b', '10.42.0.11', { ready: false }),
      pod('a', '10.42.0.10'),
      pod('c', '10.42.0.12', { deleting: true }),
    ],
  });
  await epCtrl.reconcile({ namespace: 'n', name: 'web' });
  const addr = (name: string, ip: string) => ({
    ip,
    nodeName: 'node-a',
    targetRef: { kind: 'Pod', namespace: 'n', name, uid: `uid-${name}` },
  });
  assert.deepEqual(fake.actions, [
    {
      verb: 'create',
      resource: 'endpoints',
      namespace: 'n',
      name: 'web',
      body: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web', namespace: 'n', labels: { app: 'web' } },
        subsets: [{ addresses: [addr('a', '10.42.0.10')], notReadyAddresses: [addr('b', '10.42.0.11')], ports: PORTS }],
      },
    },
  ]);
  await settle();
  await epCtrl.reconcile({ namespace: 'n', name: 'web' });
  assert.equal(fake.actions.length, 1);
  await fake.delete(SERVICES, 'n', 'web');
  await settle();
  await epCtrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.slice(2).map((a) => [a.verb, a.resource, a.name]),
    [['delete', 'endpoints', 'web']],
  );
  await stop();
});

test('a namespace being terminated refuses creates: no retry (the Service is going too)', async () => {
  const { fake, ctrl, epCtrl, stop } = await setup({ services: [service()], pods: [pod('a', '10.42.0.10')] });
  const refusal = {
    code: 403,
    reason: 'Forbidden',
    message: 'unable to create new content in namespace n because it is being terminated',
  };
  fake.failCreates.push(refusal, refusal);
  await ctrl.reconcile({ namespace: 'n', name: 'web' });
  await epCtrl.reconcile({ namespace: 'n', name: 'web' });
  assert.deepEqual(
    fake.actions.map((a) => [a.verb, a.resource]),
    [
      ['create', 'endpointslices'],
      ['create', 'endpoints'],
    ],
  );
  await stop();
});
