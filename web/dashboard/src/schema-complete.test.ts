import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineDiff } from './line-diff.ts';
import { completionsAt, type OpenApiDocument, rootSchema, yamlPathAt } from './schema-complete.ts';

const doc: OpenApiDocument = {
  components: {
    schemas: {
      'io.k8s.api.apps.v1.Deployment': {
        'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
        properties: {
          metadata: { allOf: [{ $ref: '#/components/schemas/Meta' }] },
          spec: { $ref: '#/components/schemas/DeploymentSpec' },
        },
      },
      Meta: {
        properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
      },
      DeploymentSpec: {
        properties: {
          replicas: { type: 'integer', description: 'Number of desired pods.' },
          template: { properties: { spec: { $ref: '#/components/schemas/PodSpec' } } },
        },
      },
      PodSpec: {
        properties: { containers: { type: 'array', items: { $ref: '#/components/schemas/Container' } } },
      },
      Container: { properties: { name: { type: 'string' }, image: { type: 'string' }, env: { type: 'array' } } },
    },
  },
};

test('the key path at the cursor follows indentation and list items', () => {
  const y = [
    'apiVersion: apps/v1', // 0
    'spec:', // 1
    '  replicas: 1', // 2
    '  template:', // 3
    '    spec:', // 4
    '      containers:', // 5
    '        - name: web', // 6
    '          im', // 7
    '        - ', // 8
    'kind: Deployment', // 9
  ];
  assert.deepEqual(yamlPathAt(y, 9, 0), []);
  assert.deepEqual(yamlPathAt(y, 2, 2), ['spec']);
  assert.deepEqual(yamlPathAt(y, 7, 10), ['spec', 'template', 'spec', 'containers', '-']);
  assert.deepEqual(yamlPathAt(y, 8, 10), ['spec', 'template', 'spec', 'containers', '-']);
  // Compact lists (the dash at the key's own column).
  assert.deepEqual(yamlPathAt(['containers:', '- name: a', '  ima'], 2, 2), ['containers', '-']);
});

test('completion offers the schema’s keys there, minus those written', () => {
  const root = rootSchema(doc, 'apps', 'v1', 'Deployment');
  assert.ok(root);
  assert.deepEqual(
    completionsAt(doc, root, [], new Set(['spec'])).map((c) => c.label),
    ['metadata'],
  );
  const spec = completionsAt(doc, root, ['spec'], new Set());
  assert.deepEqual(
    spec.map((c) => [c.label, c.detail]),
    [
      ['replicas', 'integer'],
      ['template', 'object'],
    ],
  );
  assert.equal(spec[0]?.info, 'Number of desired pods.');
  assert.deepEqual(
    completionsAt(doc, root, ['spec', 'template', 'spec', 'containers', '-'], new Set(['name'])).map((c) => c.label),
    ['image', 'env'],
  );
  assert.deepEqual(completionsAt(doc, root, ['nope'], new Set()), []);
});

test('the line diff marks removed and added lines around what stays', () => {
  const d = lineDiff('a\nb\nc\nd', 'a\nB\nc\nd\ne');
  assert.deepEqual(
    d.map((l) => `${l.op}${l.text}`),
    [' a', '-b', '+B', ' c', ' d', '+e'],
  );
  assert.deepEqual(lineDiff('same', 'same'), [{ op: ' ', text: 'same' }]);
});
