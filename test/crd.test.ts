/**
 * CustomResourceDefinitions through the real kubectl: a CRD applied becomes served without a
 * restart (discovery, REST verbs, watch, selectors, patches, printer columns, shortNames,
 * categories, status and scale subresources); names conflicts; deleting the CRD removes its objects.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type KubectlResult, type TestServer } from './helpers/cluster.js';
import { ok } from './helpers/kubectl.js';
import { eventually } from './helpers/wait-until.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({ readyTimeoutMs: 60_000 });
});
after(async () => {
  await server?.stop();
});

const WIDGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wg]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - name: Size
      type: string
      jsonPath: .spec.size
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    selectableFields:
    - jsonPath: .spec.size
`;

const GADGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {plural: gadgets, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const widget = (name: string, size: string, replicas = 1) => `apiVersion: example.com/v1
kind: Widget
metadata: {name: ${name}, namespace: default, labels: {size: ${size}}}
spec: {size: ${size}, replicas: ${replicas}}
`;

test('a CRD becomes Established and its resource is served at once', async () => {
  const started = performance.now();
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: WIDGETS }));
  let created: KubectlResult | undefined;
  await eventually(async () => {
    created = await server.kubectl(['create', '-f', '-'], { stdin: widget('first', 'small') });
    return created.code === 0;
  }, 'the first Widget create to be accepted');
  const ms = performance.now() - started;
  console.log(JSON.stringify({ metric: 'crd_create_to_first_object_ms', value: Math.round(ms) }));
  ok(await server.kubectl(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s']));
  const crd = JSON.parse(ok(await server.kubectl(['get', 'crd', 'widgets.example.com', '-o', 'json'])));
  assert.deepEqual(crd.status.storedVersions, ['v1']);
  assert.equal(crd.status.acceptedNames.kind, 'Widget');
  const names = crd.status.conditions.find((c: { type: string }) => c.type === 'NamesAccepted');
  assert.equal(names.status, 'True');
  assert.equal(names.reason, 'NoConflicts');
  assert.match(ok(await server.kubectl(['get', 'crd'])), /NAME\s+CREATED AT\n(?:.*\n)*widgets\.example\.com\s+\d{4}-/);
  assert.match(
    ok(await server.kubectl(['api-resources', '--api-group=example.com'])),
    /widgets\s+wg\s+example\.com\/v1\s+true\s+Widget/,
  );
});

test('custom objects: get by plural, singular, shortName and kind, printer columns, categories', async () => {
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: widget('second', 'large', 3) }));
  for (const name of ['widgets', 'widget', 'wg', 'Widget', 'widgets.example.com']) {
    const out = ok(await server.kubectl(['get', name]));
    assert.match(out, /^NAME\s+SIZE\s+REPLICAS\s+AGE\n/, name);
    assert.match(out, /\nsecond\s+large\s+3\s+\d+s/, name);
  }
  assert.match(ok(await server.kubectl(['get', 'all'])), /widget\.example\.com\/second/);
  assert.equal(
    ok(await server.kubectl(['get', 'wg', '-l', 'size=large', '-o', 'name'])).trim(),
    'widget.example.com/second',
  );
  assert.equal(
    ok(await server.kubectl(['get', 'wg', '--field-selector', 'metadata.name=first', '-o', 'name'])).trim(),
    'widget.example.com/first',
  );
  assert.equal(
    ok(await server.kubectl(['get', 'wg', '--field-selector', 'spec.size=large', '-o', 'name'])).trim(),
    'widget.example.com/second',
  );
});

test('patches: merge, JSON and server-side apply work; strategic merge patch is refused', async () => {
  ok(await server.kubectl(['patch', 'wg', 'first', '--type=merge', '-p', '{"spec":{"size":"medium"}}']));
  ok(
    await server.kubectl([
      'patch',
      'wg',
      'first',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/spec/color","value":"red"}]',
    ]),
  );
  ok(await server.kubectl(['label', 'wg', 'first', 'tier=gold']));
  const sm = await server.kubectl(['patch', 'wg', 'first', '-p', '{"spec":{"size":"tiny"}}']);
  assert.notEqual(sm.code, 0);
  assert.match(sm.stderr, /UnsupportedMediaType|unknown format|strategic/i);
  ok(await server.kubectl(['apply', '--server-side', '-f', '-'], { stdin: widget('third', 'small') }));
  const got = JSON.parse(ok(await server.kubectl(['get', 'wg', 'first', '-o', 'json'])));
  assert.equal(got.spec.size, 'medium');
  assert.equal(got.spec.color, 'red');
  assert.equal(got.metadata.labels.tier, 'gold');
  assert.equal(got.metadata.generation, 3);
});

test('status and scale subresources: kubectl scale, status kept apart from spec', async () => {
  ok(await server.kubectl(['scale', 'wg', 'second', '--replicas=5']));
  const got = JSON.parse(ok(await server.kubectl(['get', 'wg', 'second', '-o', 'json'])));
  assert.equal(got.spec.replicas, 5);
  // A write to the main resource does not change status; the status subresource does.
  ok(await server.kubectl(['patch', 'wg', 'second', '--type=merge', '-p', '{"status":{"replicas":9}}']));
  assert.equal(JSON.parse(ok(await server.kubectl(['get', 'wg', 'second', '-o', 'json']))).status, undefined);
  ok(
    await server.kubectl([
      'patch',
      'wg',
      'second',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"replicas":5,"selector":"size=large"}}',
    ]),
  );
  const scale = JSON.parse(
    ok(await server.kubectl(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets/second/scale'])),
  );
  assert.deepEqual(scale.spec, { replicas: 5 });
  assert.deepEqual(scale.status, { replicas: 5, selector: 'size=large' });
});

test('a cluster-scoped CRD, a names conflict, and watch', async () => {
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: GADGETS }));
  await eventually(
    async () =>
      (
        await server.kubectl(['create', '-f', '-'], {
          stdin: 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1}\n',
        })
      ).code === 0,
    'a Gadget create',
  );
  assert.match(ok(await server.kubectl(['get', 'gadgets'])), /^NAME\s+AGE\ng1\s+/);
  // Another CRD of the group claiming the plural "gadgets" is not accepted.
  const clash = GADGETS.replace('name: gadgets.example.com', 'name: gizmos.example.com').replace(
    'plural: gadgets, kind: Gadget',
    'plural: gizmos, kind: Gizmo, shortNames: [gadgets]',
  );
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: clash }));
  await eventually(async () => {
    const crd = JSON.parse(ok(await server.kubectl(['get', 'crd', 'gizmos.example.com', '-o', 'json'])));
    const c = (crd.status?.conditions ?? []).find((x: { type: string }) => x.type === 'NamesAccepted');
    return c?.status === 'False' && c.reason === 'ShortNamesConflict' && c.message === '"gadgets" is already in use';
  }, 'NamesAccepted False on gizmos');
  const raw = await server.kubectl(['get', '--raw', '/apis/example.com/v1/gizmos']);
  assert.notEqual(raw.code, 0);

  const watch = await server.kubectl([
    'get',
    '--raw',
    '/apis/example.com/v1/namespaces/default/widgets?watch=true&timeoutSeconds=1',
  ]);
  const events = ok(watch)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(events.length >= 3);
  assert.ok(events.every((e) => e.type === 'ADDED' && e.object.kind === 'Widget'));
});

test('deleting a namespace deletes its custom objects', async () => {
  ok(await server.kubectl(['create', 'namespace', 'crd-ns']));
  ok(
    await server.kubectl(['create', '-f', '-'], {
      stdin: widget('in-ns', 'small').replace('namespace: default', 'namespace: crd-ns'),
    }),
  );
  ok(await server.kubectl(['delete', 'namespace', 'crd-ns', '--timeout=30s']));
  const raw = await server.kubectl(['get', '--raw', '/apis/example.com/v1/namespaces/crd-ns/widgets/in-ns']);
  assert.notEqual(raw.code, 0);
  assert.match(raw.stderr, /NotFound|not found/);
});

test('garbage collection follows ownerReferences to and from custom objects', async () => {
  const owner = JSON.parse(ok(await server.kubectl(['get', 'wg', 'second', '-o', 'json'])));
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'owned-by-widget',
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'second', uid: owner.metadata.uid }],
    },
  };
  ok(await server.kubectl(['create', '-f', '-'], { stdin: JSON.stringify(cm) }));
  ok(await server.kubectl(['delete', 'wg', 'second']));
  await eventually(
    async () => (await server.kubectl(['get', 'configmap', 'owned-by-widget'])).code !== 0,
    'the ConfigMap owned by a Widget to be collected',
  );
});

test('deleting a CRD removes its objects first, then stops serving it', async () => {
  // An object with a finalizer of its own holds the CRD in Terminating; creates are refused meanwhile.
  ok(
    await server.kubectl([
      'patch',
      'wg',
      'first',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":["example.com/hold"]}}',
    ]),
  );
  ok(await server.kubectl(['delete', 'crd', 'widgets.example.com', '--wait=false']));
  await eventually(async () => {
    const crd = JSON.parse(ok(await server.kubectl(['get', 'crd', 'widgets.example.com', '-o', 'json'])));
    return (crd.status.conditions ?? []).some(
      (c: { type: string; status: string }) => c.type === 'Terminating' && c.status === 'True',
    );
  }, 'the CRD Terminating');
  await eventually(async () => {
    const r = await server.kubectl(['create', '-f', '-'], { stdin: widget('late', 'small') });
    return r.code !== 0 && /create not allowed while custom resource definition is terminating/.test(r.stderr);
  }, 'creates refused while terminating');
  ok(await server.kubectl(['patch', 'wg', 'first', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']));
  await eventually(
    async () => (await server.kubectl(['get', 'crd', 'widgets.example.com'])).code !== 0,
    'the CRD gone',
  );
  const raw = await server.kubectl(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets']);
  assert.notEqual(raw.code, 0);
  assert.match(raw.stderr, /NotFound|not found/);
  // Recreated: empty (the old objects were deleted, not just hidden).
  ok(await server.kubectl(['apply', '-f', '-'], { stdin: WIDGETS }));
  await eventually(
    async () => (await server.kubectl(['get', 'widgets', '-o', 'name'])).code === 0,
    'widgets served again',
  );
  assert.equal(ok(await server.kubectl(['get', 'widgets', '-o', 'name'])).trim(), '');
});
