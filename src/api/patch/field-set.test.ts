import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet } from './field-set.js';
import { formatPath } from './field-path.js';
import { fieldSetOf } from './to-field-set.js';
import { deployment, pod } from './testing/type-fixture.js';

test('fieldSetOf: structs, map entries, keyed list items, sets and atomic lists', () => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['f1'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        spec: {
          containers: [{ name: 'web', image: 'nginx', args: ['-x'], ports: [{ containerPort: 80, protocol: 'TCP' }] }],
        },
      },
    },
  };
  assert.deepEqual(fieldSetOf(d, deployment).toFieldsV1(), {
    'f:apiVersion': {},
    'f:kind': {},
    'f:metadata': { 'f:finalizers': { 'v:"f1"': {} }, 'f:labels': { 'f:app': {} }, 'f:name': {} },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:args': {},
              'f:image': {},
              'f:name': {},
              'f:ports': {
                'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
              },
            },
          },
        },
      },
    },
  });
});

test('fieldSetOf: empty objects and nulls are leaves; no schema means granular maps and atomic lists', () => {
  assert.deepEqual(fieldSetOf({ spec: { volumes: [{ name: 'v', emptyDir: {} }] } }, pod).toFieldsV1(), {
    'f:spec': { 'f:volumes': { 'k:{"name":"v"}': { '.': {}, 'f:emptyDir': {}, 'f:name': {} } } },
  });
  assert.deepEqual(fieldSetOf({ spec: { a: { b: 1 }, l: [1, 2] } }, undefined).toFieldsV1(), {
    'f:spec': { '.': {}, 'f:a': { '.': {}, 'f:b': {} }, 'f:l': {} },
  });
});

test('FieldSet: FieldsV1 round trip and set algebra', () => {
  const v1 = {
    'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } },
    'f:spec': { 'f:x': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} } } },
  };
  const s = FieldSet.fromFieldsV1(v1);
  assert.deepEqual(s.toFieldsV1(), v1);
  assert.deepEqual(s.paths().map(formatPath), [
    '.metadata.labels.a',
    '.metadata.labels.b',
    '.spec.x[name="a"]',
    '.spec.x[name="a"].image',
  ]);
  const other = FieldSet.fromFieldsV1({ 'f:metadata': { 'f:labels': { 'f:b': {} } } });
  assert.deepEqual(s.intersection(other).toFieldsV1(), { 'f:metadata': { 'f:labels': { 'f:b': {} } } });
  assert.deepEqual(other.difference(s).toFieldsV1(), {});
  assert.deepEqual(s.difference(other).paths().length, 3);
  assert.ok(s.withNamedFieldsAsMembers().has(['f:spec', 'f:x']));
  assert.equal(
    formatPath(['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:name']),
    '.spec.ports[containerPort=80,protocol="TCP"].name',
  );
  assert.equal(formatPath(['f:metadata', 'f:finalizers', 'v:"x"']), '.metadata.finalizers[="x"]');
});
