import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { customResourceDefinitionStrategy as s } from './custom-resource-definition.js';
import { customResourceEntries, customResourceStrategy } from './custom-resource.js';

const crd = (patch: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wg'] },
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
        { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
      ],
      ...patch,
    },
  }) as unknown as KubeObject;

function defaulted(obj: KubeObject): KubeObject {
  s.applyDefaults?.(obj);
  return obj;
}

test('defaults: singular, listKind, conversion None', () => {
  const obj = defaulted(crd());
  const spec = obj.spec as { names: Record<string, unknown>; conversion: unknown };
  assert.equal(spec.names.singular, 'widget');
  assert.equal(spec.names.listKind, 'WidgetList');
  assert.deepEqual(spec.conversion, { strategy: 'None' });
  assert.deepEqual(s.validate?.(obj), []);
});

test('validation as kube-apiserver words it', () => {
  const msgs = (obj: KubeObject) => (s.validate?.(defaulted(obj)) ?? []).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(msgs(crd({ group: 'example' })), [
    'spec.group: Invalid value: "example": should be a domain with at least one dot',
    'metadata.name: Invalid value: "widgets.example.com": must be spec.names.plural+"."+spec.group',
  ]);
  assert.deepEqual(msgs(crd({ scope: 'Global' })), [
    'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
  ]);
  const twoStorage = crd();
  for (const v of (twoStorage.spec as { versions: { storage: boolean }[] }).versions) v.storage = true;
  assert.deepEqual(msgs(twoStorage), [
    'spec.versions: Invalid value: ["v1","v2"]: must have exactly one version marked as storage version',
  ]);
  const old = defaulted(crd());
  const changed = defaulted(crd({ scope: 'Cluster' }));
  assert.deepEqual(
    (s.validate?.(changed, old) ?? []).map((e) => e.message),
    ['Invalid value: "Cluster": field is immutable'],
  );
});

test('the resources a CRD serves: one per served version, stored in the storage version', () => {
  const entries = customResourceEntries(defaulted(crd()) as never);
  assert.deepEqual(
    entries.map((e) => [e.rt.version, e.rt.storagePrefix, e.rt.storageApiVersion, e.rt.shortNames]),
    // In Kubernetes' version priority: v2 first (the preferred version).
    [
      ['v2', '/registry/example.com/widgets/', 'example.com/v1', ['wg']],
      ['v1', '/registry/example.com/widgets/', 'example.com/v1', ['wg']],
    ],
  );
  const obj = { apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'a' } } as KubeObject;
  assert.equal(entries[0].strategy.convert?.(obj, 'example.com/v1').apiVersion, 'example.com/v1');
});

test('table: NAME then the printer columns; dates as ages; default AGE', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const obj = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { replicas: 2 },
  } as unknown as KubeObject;
  const withColumns = customResourceStrategy(true, {
    name: 'v1',
    served: true,
    storage: true,
    additionalPrinterColumns: [
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
  assert.deepEqual(
    withColumns.table.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Replicas', 'integer', 0],
      ['Missing', 'string', 1],
      ['Age', 'date', 0],
    ],
  );
  assert.deepEqual(withColumns.table.row(obj, now), ['a', 2, null, '10m']);
  const plain = customResourceStrategy(true, { name: 'v1', served: true, storage: true });
  assert.deepEqual(plain.table.row(obj, now), ['a', '10m']);
});
