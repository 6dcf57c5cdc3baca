import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { applyServerSide, type ApplyOptions } from './server-side-apply.js';
import { updateManagedFields } from './managed-fields.js';
import { configMap, deployment, list, obj, objectMeta, scalar } from './testing/type-fixture.js';

const T1 = '2024-01-01T00:00:00Z';
const T2 = '2024-01-02T00:00:00Z';
const opts = (manager: string, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({
  manager,
  force: false,
  type: deployment,
  apiVersion: 'apps/v1',
  now: T2,
  ...extra,
});

function deploy(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...metadata },
    spec,
  };
}
const tmpl = (...containers: Array<Record<string, unknown>>) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers },
});
const managers = (o: KubeObject) => (o.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
const fieldsOf = (o: KubeObject, manager: string) =>
  o.metadata.managedFields?.find((m) => m.manager === manager)?.fieldsV1;

test('apply creates the object and records an Apply entry', () => {
  const { object } = applyServerSide(undefined, deploy({ replicas: 2 }), opts('kubectl', { now: T1 }));
  assert.deepEqual(object.spec, { replicas: 2 });
  assert.deepEqual(object.metadata.managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    },
  ]);
});

test('apply merges into live: keyed list items merge, other fields stay', () => {
  const live = applyServerSide(
    undefined,
    deploy({ replicas: 1, template: tmpl({ name: 'web', image: 'nginx:1' }) }),
    opts('kubectl', { now: T1 }),
  ).object;
  const withOther = updateManagedFields(
    live,
    { ...live, spec: { ...(live.spec as object), paused: true } },
    { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', now: T1, type: deployment },
  );
  const { object } = applyServerSide(
    withOther,
    deploy({ replicas: 1, template: tmpl({ name: 'web', image: 'nginx:2' }) }),
    opts('kubectl'),
  );
  assert.deepEqual(object.spec, { replicas: 1, paused: true, template: tmpl({ name: 'web', image: 'nginx:2' }) });
  assert.deepEqual(managers(object), ['kubectl/Apply', 'kubectl-edit/Update']);
});

test('apply conflicts with a value another manager set, unless forced', () => {
  const created = updateManagedFields(undefined, deploy({ replicas: 1 }), {
    manager: 'kubectl-client-side-apply',
    operation: 'Update',
    apiVersion: 'apps/v1',
    now: T1,
    type: deployment,
  });
  assert.throws(
    () => applyServerSide(created, deploy({ replicas: 3 }), opts('kubectl')),
    (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.equal(
        e.message,
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      );
      assert.deepEqual(e.details?.causes, [
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.replicas',
        },
      ]);
      return true;
    },
  );
  // Same value: no conflict, shared ownership.
  const shared = applyServerSide(created, deploy({ replicas: 1 }), opts('kubectl')).object;
  assert.deepEqual(managers(shared), ['kubectl/Apply', 'kubectl-client-side-apply/Update']);
  // Forced: the value changes and ownership moves.
  const forced = applyServerSide(created, deploy({ replicas: 3 }), opts('kubectl', { force: true })).object;
  assert.equal((forced.spec as { replicas: number }).replicas, 3);
  assert.deepEqual(managers(forced), ['kubectl/Apply']);
});

test('apply conflict between two appliers lists every field', () => {
  const a = applyServerSide(undefined, deploy({ replicas: 1, paused: false }), opts('alice', { now: T1 })).object;
  assert.throws(
    () => applyServerSide(a, deploy({ replicas: 2, paused: true }), opts('bob')),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 409 &&
      e.message === 'Apply failed with 2 conflicts: conflicts with "alice"\n- .spec.paused\n- .spec.replicas' &&
      e.details?.causes?.length === 2,
  );
});

test('fields the manager applied before but omits now are removed, unless someone else owns them', () => {
  const first = applyServerSide(
    undefined,
    deploy(
      { replicas: 1, paused: true, template: tmpl({ name: 'web', image: 'a' }, { name: 'side', image: 'b' }) },
      { labels: { a: '1', b: '2' } },
    ),
    opts('kubectl', { now: T1 }),
  ).object;
  const second = applyServerSide(
    first,
    deploy({ replicas: 1, template: tmpl({ name: 'web', image: 'a' }) }, { labels: { a: '1' } }),
    opts('kubectl'),
  ).object;
  assert.deepEqual(second.spec, { replicas: 1, template: tmpl({ name: 'web', image: 'a' }) });
  assert.deepEqual(second.metadata.labels, { a: '1' });
  // With another applier also owning label b and paused, they stay.
  const both = applyServerSide(first, deploy({ paused: true }, { labels: { b: '2' } }), opts('other')).object;
  const third = applyServerSide(
    both,
    deploy({ replicas: 1, template: tmpl({ name: 'web', image: 'a' }) }, { labels: { a: '1' } }),
    opts('kubectl'),
  ).object;
  assert.deepEqual(third.metadata.labels, { a: '1', b: '2' });
  assert.equal((third.spec as { paused: boolean }).paused, true);
  assert.deepEqual(fieldsOf(third, 'other'), {
    'f:metadata': { 'f:labels': { 'f:b': {} } },
    'f:spec': { 'f:paused': {} },
  });
});

test('apply on an untracked object credits existing fields to before-first-apply', () => {
  const live = deploy({ replicas: 5 });
  assert.throws(
    () => applyServerSide(live, deploy({ replicas: 1 }), opts('kubectl')),
    (e: unknown) =>
      e instanceof ApiError &&
      e.message === 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
  );
});

test('apply rejects managedFields in the configuration and ignores status on the main resource', () => {
  assert.throws(
    () => applyServerSide(undefined, deploy({}, { managedFields: [] }), opts('kubectl')),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
  const { object } = applyServerSide(
    undefined,
    { ...deploy({ replicas: 1 }), status: { replicas: 9 } },
    opts('kubectl'),
  );
  assert.equal(object.status, undefined);
});

test('apply without schema: maps merge and lists are atomic', () => {
  const cm = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data,
    ...extra,
  });
  const first = applyServerSide(
    undefined,
    cm({ a: '1', b: '2' }, { list: [1, 2] }),
    opts('m', { type: undefined, apiVersion: 'v1' }),
  ).object;
  const second = applyServerSide(
    first,
    cm({ a: '1' }, { list: [3] }),
    opts('m', { type: undefined, apiVersion: 'v1' }),
  ).object;
  assert.deepEqual(second.data, { a: '1' });
  assert.deepEqual(second.list, [3]);
  const typed = applyServerSide(undefined, cm({ a: '1' }), opts('m', { type: configMap, apiVersion: 'v1' })).object;
  assert.deepEqual(fieldsOf(typed, 'm'), { 'f:data': { 'f:a': {} } });
});

test('apply: set lists and multi-key list-maps are tracked per item and pruned per item', () => {
  const d = (finalizers: string[], ports: Array<Record<string, unknown>>) =>
    deploy({ template: tmpl({ name: 'web', image: 'i', ports }) }, { finalizers });
  const first = applyServerSide(
    undefined,
    d(
      ['a', 'b'],
      [
        { containerPort: 80, protocol: 'TCP' },
        { containerPort: 80, protocol: 'UDP' },
      ],
    ),
    opts('kubectl', { now: T1 }),
  ).object;
  const at = (v: unknown, ...keys: string[]): unknown =>
    keys.reduce((acc, k) => (acc as Record<string, unknown>)[k], v);
  const ports = at(
    fieldsOf(first, 'kubectl'),
    'f:spec',
    'f:template',
    'f:spec',
    'f:containers',
    'k:{"name":"web"}',
    'f:ports',
  ) as object;
  assert.deepEqual(Object.keys(ports), [
    'k:{"containerPort":80,"protocol":"TCP"}',
    'k:{"containerPort":80,"protocol":"UDP"}',
  ]);
  const second = applyServerSide(first, d(['a'], [{ containerPort: 80, protocol: 'UDP' }]), opts('kubectl')).object;
  assert.deepEqual(second.metadata.finalizers, ['a']);
  assert.deepEqual(
    (second.spec as { template: { spec: { containers: Array<{ ports: unknown }> } } }).template.spec.containers[0]
      .ports,
    [{ containerPort: 80, protocol: 'UDP' }],
  );
});

test('a second applier with the same ports co-owns them: defaulted list-map keys (protocol) match', () => {
  const portsType = obj({
    spec: obj({
      ports: list(obj({ port: scalar(), protocol: scalar(), name: scalar() }), {
        listType: 'map',
        mapKeys: ['port', 'protocol'],
        strategy: 'merge',
        key: 'port',
      }),
    }),
    metadata: objectMeta,
    apiVersion: scalar(),
    kind: scalar(),
  });
  const svc = (ports: unknown[]) =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports } }) as KubeObject;
  const first = applyServerSide(undefined, svc([{ port: 80 }]), {
    manager: 'a',
    force: false,
    type: portsType,
    apiVersion: 'v1',
    now: T1,
  }).object;
  // The server defaults protocol, as it would before storing.
  (first.spec as { ports: { protocol?: string }[] }).ports[0].protocol = 'TCP';
  const second = applyServerSide(first, svc([{ port: 80 }]), {
    manager: 'b',
    force: false,
    type: portsType,
    apiVersion: 'v1',
    now: T1,
  }).object;
  assert.deepEqual((second.spec as { ports: unknown[] }).ports, [{ port: 80, protocol: 'TCP' }]);
  assert.deepEqual(managers(second), ['a/Apply', 'b/Apply']);
});
