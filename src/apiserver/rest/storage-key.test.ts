import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.js';
import { updateManagedFields } from '../../api/patch/index.js';
import { rawFieldsV1Of } from '../../api/patch/raw-fields-entry.js';
import { RandomObjects } from '../../api/patch/testing/random-object.js';
import { samples, typeOf } from '../../api/patch/testing/sample-objects.js';
import { RESOURCE_TYPES } from '../../api/resource-types.js';
import { encodeObject, withResourceVersion } from './storage-key.js';

/** The reference encodeObject must match byte for byte: one JSON.stringify, apiVersion, kind, metadata first. */
function plainEncoding(obj: KubeObject): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata, ...rest });
}

function created(obj: Record<string, unknown>, subresource?: string): KubeObject {
  const o = obj as KubeObject;
  if (o.metadata && typeof o.metadata === 'object') delete o.metadata.managedFields;
  return updateManagedFields(undefined, o, {
    manager: 'kubectl-create',
    operation: 'Update',
    apiVersion: String(o.apiVersion),
    now: '2026-01-02T03:04:05Z',
    subresource,
    type: typeOf(obj),
  });
}

test('encodeObject writes apiVersion, kind, metadata first, with or without the reordering copy', () => {
  const random = new RandomObjects(99);
  const objects = [
    ...samples(),
    ...RESOURCE_TYPES.flatMap((rt) =>
      Array.from({ length: 20 }, () => random.ofKind({ group: rt.group, version: rt.version, kind: rt.kind })),
    ),
  ];
  let inOrder = 0;
  for (const obj of objects) {
    const o = created(structuredClone(obj));
    // The same object with its keys already in storage order (as the bench's bodies come), and with an integer-like key.
    const { apiVersion, kind, metadata, ...rest } = o;
    const ordered = { apiVersion, kind, metadata, ...rest } as KubeObject;
    const withIndexKey = { ...ordered, 7: 'x' } as unknown as KubeObject;
    for (const x of [o, ordered, withIndexKey])
      assert.equal(encodeObject(x).toString('utf8'), plainEncoding(x), JSON.stringify(x));
    if (Object.keys(ordered)[0] === 'apiVersion') inOrder++;
  }
  assert.ok(inOrder > 100);
});

test('a created object encodes to the same bytes with its FieldsV1 text written as it is', () => {
  const random = new RandomObjects(99);
  const objects = [
    ...samples(),
    ...RESOURCE_TYPES.flatMap((rt) =>
      Array.from({ length: 20 }, () => random.ofKind({ group: rt.group, version: rt.version, kind: rt.kind })),
    ),
  ];
  let fast = 0;
  for (const obj of objects) {
    for (const sub of [undefined, 'status']) {
      const o = created(structuredClone(obj), sub);
      const entries = o.metadata?.managedFields ?? [];
      const viaText = entries.length > 0 && rawFieldsV1Of(entries[0]) !== undefined;
      const bytes = encodeObject(o).toString('utf8');
      if (viaText) fast++;
      // managedFields not last in metadata (an admission plugin may add fields after it).
      const reordered = { ...o, metadata: { managedFields: o.metadata.managedFields, ...o.metadata, zz: 'after' } };
      const reorderedBytes = encodeObject(reordered).toString('utf8');
      assert.equal(bytes, plainEncoding(o), JSON.stringify(obj));
      assert.equal(reorderedBytes, plainEncoding(reordered as KubeObject));
    }
  }
  assert.ok(fast > 500, `only ${fast} encodings used the text`);
});

test('a FieldsV1 changed after it was read is encoded as changed', () => {
  const o = created({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', labels: { a: 'b' } },
    data: { x: 'y' },
  });
  const entry = (o.metadata.managedFields ?? [])[0];
  (entry.fieldsV1 as Record<string, unknown>)['f:extra'] = {};
  const text = encodeObject(o).toString('utf8');
  assert.ok(text.includes('"f:extra":{}'));
  assert.equal(text, plainEncoding(o));
});

test('withResourceVersion adds the revision first in metadata', () => {
  const rv = (json: string, revision: number) => withResourceVersion(Buffer.from(json), revision).toString('utf8');
  assert.equal(
    rv('{"apiVersion":"v1","kind":"X","metadata":{},"a":1}', 7),
    '{"apiVersion":"v1","kind":"X","metadata":{"resourceVersion":"7"},"a":1}',
  );
  assert.equal(rv('{"metadata":{"name":"n"}}', 8), '{"metadata":{"resourceVersion":"8","name":"n"}}');
  const inArray = new TextEncoder().encode('{"metadata":{"name":"n"}}');
  assert.equal(withResourceVersion(inArray, 9).toString('utf8'), '{"metadata":{"resourceVersion":"9","name":"n"}}');
});
