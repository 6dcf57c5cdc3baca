import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { deployment, pod } from './testing/type-fixture.js';

const c = (name: string, image = `${name}:1`, extra: Record<string, unknown> = {}) => ({ name, image, ...extra });
const podOf = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata,
  spec,
});

interface Case {
  name: string;
  doc: unknown;
  patch: unknown;
  want: unknown;
}

const cases: Case[] = [
  {
    name: 'scalar replace and null delete',
    doc: podOf({ nodeName: 'n1', restartPolicy: 'Always' }),
    patch: { spec: { nodeName: 'n2', restartPolicy: null } },
    want: podOf({ nodeName: 'n2' }),
  },
  { name: 'null for an absent key is ignored', doc: podOf({}), patch: { spec: { nodeName: null } }, want: podOf({}) },
  {
    name: 'maps merge',
    doc: podOf({}, { name: 'p', labels: { a: '1', b: '2' } }),
    patch: { metadata: { labels: { b: null, c: '3' } } },
    want: podOf({}, { name: 'p', labels: { a: '1', c: '3' } }),
  },
  {
    name: 'merge list by key: update one, append new',
    doc: podOf({ containers: [c('a'), c('b')] }),
    patch: { spec: { containers: [{ name: 'b', image: 'b:2' }, c('z')] } },
    want: podOf({ containers: [c('a'), c('b', 'b:2'), c('z')] }),
  },
  {
    name: 'nested merge lists (ports by containerPort)',
    doc: podOf({ containers: [c('a', 'a:1', { ports: [{ containerPort: 80, name: 'http' }] })] }),
    patch: {
      spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'web' }, { containerPort: 443 }] }] },
    },
    want: podOf({
      containers: [c('a', 'a:1', { ports: [{ containerPort: 80, name: 'web' }, { containerPort: 443 }] })],
    }),
  },
  {
    name: '$patch: delete in a merge list',
    doc: podOf({ containers: [c('a'), c('b')] }),
    patch: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
    want: podOf({ containers: [c('b')] }),
  },
  {
    name: '$patch: replace in a merge list',
    doc: podOf({ containers: [c('a'), c('b')] }),
    patch: { spec: { containers: [c('z'), { $patch: 'replace' }] } },
    want: podOf({ containers: [c('z')] }),
  },
  {
    name: '$patch: replace on a map',
    doc: podOf({}, { name: 'p', labels: { a: '1' } }),
    patch: { metadata: { labels: { $patch: 'replace', b: '2' } } },
    want: podOf({}, { name: 'p', labels: { b: '2' } }),
  },
  {
    name: '$patch: delete on a map empties it',
    doc: podOf({}, { name: 'p', labels: { a: '1' } }),
    patch: { metadata: { labels: { $patch: 'delete' } } },
    want: podOf({}, { name: 'p', labels: {} }),
  },
  {
    name: '$patch: merge on a map merges',
    doc: podOf({}, { name: 'p', labels: { a: '1' } }),
    patch: { metadata: { labels: { $patch: 'merge', b: '2' } } },
    want: podOf({}, { name: 'p', labels: { a: '1', b: '2' } }),
  },
  {
    name: 'list without merge strategy is replaced',
    doc: podOf({ containers: [c('a', 'a:1', { args: ['x', 'y'] })] }),
    patch: { spec: { containers: [{ name: 'a', args: ['z'] }] } },
    want: podOf({ containers: [c('a', 'a:1', { args: ['z'] })] }),
  },
  {
    name: 'primitive merge list is a set union',
    doc: podOf({}, { name: 'p', finalizers: ['a', 'b'] }),
    patch: { metadata: { finalizers: ['c', 'a'] } },
    want: podOf({}, { name: 'p', finalizers: ['c', 'a', 'b'] }),
  },
  {
    name: '$deleteFromPrimitiveList',
    doc: podOf({}, { name: 'p', finalizers: ['a', 'b', 'c'] }),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: podOf({}, { name: 'p', finalizers: ['a', 'c'] }),
  },
  {
    name: 'primitive list with $setElementOrder, delete and add',
    doc: podOf({}, { name: 'p', finalizers: ['a', 'b'] }),
    patch: {
      metadata: {
        '$setElementOrder/finalizers': ['c', 'a'],
        '$deleteFromPrimitiveList/finalizers': ['b'],
        finalizers: ['c'],
      },
    },
    want: podOf({}, { name: 'p', finalizers: ['c', 'a'] }),
  },
  {
    name: 'kubectl apply: $setElementOrder with delete and update',
    doc: podOf({ containers: [c('b'), c('a')] }),
    patch: {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        '$setElementOrder/containers': [{ name: 'a' }],
        containers: [
          { name: 'b', $patch: 'delete' },
          { name: 'a', image: 'x' },
        ],
      },
    },
    want: podOf(
      { containers: [c('a', 'x')] },
      { name: 'p', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    ),
  },
  {
    name: '$setElementOrder reorders, server-only items keep their place',
    doc: podOf({ containers: [c('a'), c('s'), c('b')] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
    want: podOf({ containers: [c('s'), c('b'), c('a')] }),
  },
  {
    name: '$setElementOrder adds new items in the requested place',
    doc: podOf({ containers: [c('a'), c('b')] }),
    patch: {
      spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'n' }, { name: 'b' }], containers: [c('n')] },
    },
    want: podOf({ containers: [c('a'), c('n'), c('b')] }),
  },
  {
    name: 'new list items come first, in patch order (apimachinery mergeSortedSlice)',
    doc: podOf({ containers: [c('a')] }),
    patch: { spec: { containers: [c('y'), c('x')] } },
    want: podOf({ containers: [c('y'), c('x'), c('a')] }),
  },
  {
    name: 'absent merge list: directives stripped',
    doc: podOf({}),
    patch: { spec: { containers: [c('a'), { name: 'b', $patch: 'delete' }] } },
    want: podOf({ containers: [c('a')] }),
  },
  {
    name: 'absent map: nested nulls dropped',
    doc: podOf({}),
    patch: { spec: { nodeSelector: { a: '1', b: null } } },
    want: podOf({ nodeSelector: { a: '1' } }),
  },
  {
    name: 'kind change replaces',
    doc: podOf({ nodeName: 'x' }),
    patch: { spec: { nodeName: { a: 1 } } },
    want: podOf({ nodeName: { a: 1 } }),
  },
  {
    name: 'volumes $retainKeys switches the source',
    doc: podOf({
      volumes: [
        { name: 'v', emptyDir: {} },
        { name: 'w', emptyDir: {} },
      ],
    }),
    patch: { spec: { volumes: [{ name: 'v', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/x' } }] } },
    want: podOf({
      volumes: [
        { name: 'v', hostPath: { path: '/x' } },
        { name: 'w', emptyDir: {} },
      ],
    }),
  },
  {
    name: 'env list merged by name, null deletes a field of an item',
    doc: podOf({
      containers: [
        c('a', 'a:1', {
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        }),
      ],
    }),
    patch: {
      spec: {
        containers: [
          { name: 'a', env: [{ name: 'X', value: null, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
        ],
      },
    },
    want: podOf({
      containers: [
        c('a', 'a:1', {
          env: [
            { name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'Y', value: '2' },
          ],
        }),
      ],
    }),
  },
];

test('strategic merge patch: table', () => {
  for (const k of cases) {
    const before = JSON.stringify([k.doc, k.patch]);
    assert.deepEqual(applyStrategicMergePatch(k.doc, k.patch, pod), k.want, k.name);
    assert.equal(JSON.stringify([k.doc, k.patch]), before, `${k.name}: inputs mutated`);
  }
});

test('strategic merge patch: deployment retainKeys strategy and restartedAt annotation', () => {
  const d = {
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: { metadata: { labels: { app: 'w' } }, spec: { containers: [c('w')] } },
    },
  };
  assert.deepEqual(
    applyStrategicMergePatch(d, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deployment),
    { spec: { ...d.spec, strategy: { type: 'Recreate' } } },
  );
  const restarted = applyStrategicMergePatch(
    d,
    { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 't' } } } } },
    deployment,
  );
  assert.deepEqual(restarted, {
    spec: {
      ...d.spec,
      template: {
        ...d.spec.template,
        metadata: { labels: { app: 'w' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 't' } },
      },
    },
  });
});

test('strategic merge patch: without TypeInfo lists are replaced and maps merged', () => {
  const doc = { spec: { items: [{ name: 'a', v: 1 }], m: { a: 1 } } };
  assert.deepEqual(
    applyStrategicMergePatch(doc, { spec: { items: [{ name: 'b' }], m: { b: 2, a: null } } }, undefined),
    { spec: { items: [{ name: 'b' }], m: { b: 2 } } },
  );
});

test('strategic merge patch: errors map to Kubernetes statuses', () => {
  const is = (code: number) => (e: unknown) => e instanceof ApiError && e.code === code;
  const doc = podOf({ containers: [c('a')] }, { name: 'p', finalizers: ['a'] });
  assert.throws(() => applyStrategicMergePatch(doc, [], pod), is(400));
  assert.throws(
    () => applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, pod),
    is(400),
  );
  assert.throws(() => applyStrategicMergePatch(doc, { spec: { '$setElementOrder/containers': 'x' } }, pod), is(400));
  assert.throws(
    () =>
      applyStrategicMergePatch(doc, { spec: { volumes: [{ name: 'v', $retainKeys: ['name'], emptyDir: {} }] } }, pod),
    is(400),
  );
  assert.throws(
    () => applyStrategicMergePatch(doc, { spec: { containers: [{ image: 'x' }] } }, pod),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 500 &&
      e.message === 'map: map[image:x] does not contain declared merge key: name',
  );
  assert.throws(() => applyStrategicMergePatch(doc, { metadata: { finalizers: [['x']] } }, pod), is(422));
  assert.throws(() => applyStrategicMergePatch(doc, { spec: { $patch: 'bogus' } }, pod), is(500));
  assert.throws(
    () => applyStrategicMergePatch(doc, { spec: { containers: [{ name: 'a', $patch: 'merge' }] } }, pod),
    is(500),
  );
  assert.throws(
    () =>
      applyStrategicMergePatch(
        doc,
        { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [c('q')] } },
        pod,
      ),
    is(500),
  );
});
