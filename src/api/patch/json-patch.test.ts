import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { applyJsonPatch } from './json-patch.js';

const doc = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1, list: ['a', 'b'] } };

test('json patch: operations, in order, without mutating the input', () => {
  const cases: Array<[string, unknown[], unknown]> = [
    [
      'replace',
      [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      { ...doc, spec: { replicas: 3, list: ['a', 'b'] } },
    ],
    [
      'add map key',
      [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }],
      { ...doc, metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } } },
    ],
    [
      'add array end',
      [{ op: 'add', path: '/spec/list/-', value: 'c' }],
      { ...doc, spec: { replicas: 1, list: ['a', 'b', 'c'] } },
    ],
    [
      'add array insert',
      [{ op: 'add', path: '/spec/list/0', value: 'z' }],
      { ...doc, spec: { replicas: 1, list: ['z', 'a', 'b'] } },
    ],
    ['remove', [{ op: 'remove', path: '/spec/list/0' }], { ...doc, spec: { replicas: 1, list: ['b'] } }],
    [
      'escaped key',
      [{ op: 'add', path: '/metadata/labels/a~1b~0c', value: 'x' }],
      { ...doc, metadata: { name: 'web', labels: { app: 'web', 'a/b~c': 'x' } } },
    ],
    [
      'move',
      [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' }],
      { ...doc, metadata: { name: 'web', labels: { name: 'web' } } },
    ],
    [
      'copy',
      [{ op: 'copy', from: '/spec/replicas', path: '/spec/copy' }],
      { ...doc, spec: { replicas: 1, list: ['a', 'b'], copy: 1 } },
    ],
    [
      'test then replace',
      [
        { op: 'test', path: '/spec/replicas', value: 1 },
        { op: 'replace', path: '/spec/replicas', value: 2 },
      ],
      { ...doc, spec: { replicas: 2, list: ['a', 'b'] } },
    ],
  ];
  for (const [name, ops, want] of cases) {
    const before = JSON.stringify(doc);
    assert.deepEqual(applyJsonPatch(doc, ops), want, name);
    assert.equal(JSON.stringify(doc), before, `${name}: input mutated`);
  }
});

test('json patch: a failing operation is 422 Invalid with the generic message', () => {
  const failing: unknown[][] = [
    [{ op: 'test', path: '/spec/replicas', value: 2 }],
    [{ op: 'remove', path: '/spec/affinity' }],
    [{ op: 'replace', path: '/spec/missing', value: 1 }],
    [{ op: 'add', path: '/spec/a/b', value: 1 }],
    [{ op: 'add', path: '/spec/list/5', value: 1 }],
    [{ op: 'frobnicate', path: '/spec' }],
    [{ op: 'add', path: 'spec', value: 1 }],
    [{ op: 'replace', path: '/spec/replicas' }],
  ];
  for (const ops of failing) {
    assert.throws(
      () => applyJsonPatch(doc, ops),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 422 &&
        e.reason === 'Invalid' &&
        e.message === 'the server rejected our request due to an error in our request',
      JSON.stringify(ops),
    );
  }
  assert.throws(
    () => applyJsonPatch(doc, [{ op: 'test', path: '/spec/replicas', value: 2 }]),
    (e: unknown) =>
      e instanceof ApiError && e.details?.causes?.[0]?.message === 'testing value /spec/replicas failed: test failed',
  );
});

test('json patch: a body that is not an array of objects is 400', () => {
  assert.throws(
    () => applyJsonPatch(doc, { op: 'add' }),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 400 &&
      e.message === 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  );
  assert.throws(
    () => applyJsonPatch(doc, ['x']),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('json patch: test of an absent path against null passes; whole-document replace works', () => {
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'test', path: '/nope', value: null }]), doc);
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 });
});
