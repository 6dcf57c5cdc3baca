import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createdFieldsV1Json } from './created-fields-v1.js';
import { createdFieldSet } from './created-field-set.js';
import { updateManagedFields, withManagedFields } from './managed-fields.js';
import { rawFieldsV1Of } from './raw-fields-entry.js';
import { RandomObjects } from './testing/random-object.js';
import * as fx from './testing/type-fixture.js';
import { typeInfoFor } from '../schema/index.js';
import type { TypeInfo } from '../schema/type-info.js';
import type { KubeObject } from '../object.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import * as schemaFixtures from '../schema/fixtures.test-helper.js';
import { samples, typeOf } from './testing/sample-objects.js';

const SUBRESOURCES = [undefined, '', 'status', 'scale'];

/** What the FieldSet path gives: the set's FieldsV1 as JSON, undefined when the set is empty. */
function viaFieldSet(
  obj: Record<string, unknown>,
  type: TypeInfo | undefined,
  sub: string | undefined,
): string | undefined {
  const set = createdFieldSet(obj, type, sub);
  return set.isEmpty() ? undefined : JSON.stringify(set.toFieldsV1());
}

test('created FieldsV1 text equals the FieldSet path on every sample (served schema, fixture types, no schema)', () => {
  const all = samples();
  assert.ok(all.length >= 30, `only ${all.length} samples`);
  for (const obj of all) {
    for (const type of [typeOf(obj), undefined]) {
      for (const sub of SUBRESOURCES)
        assert.equal(
          createdFieldsV1Json(obj, type, sub),
          viaFieldSet(obj, type, sub),
          `${String(obj.kind)} sub=${sub}`,
        );
    }
  }
  for (const [obj, type] of [
    [schemaFixtures.pod(), fx.pod],
    [schemaFixtures.deployment(), fx.deployment],
  ] as const) {
    for (const sub of SUBRESOURCES) assert.equal(createdFieldsV1Json(obj, type, sub), viaFieldSet(obj, type, sub));
  }
});

test('created FieldsV1 text equals the FieldSet path on random objects of every served kind', () => {
  const random = new RandomObjects(20261128);
  let compared = 0;
  for (const rt of RESOURCE_TYPES) {
    const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
    const type = typeInfoFor(gvk);
    for (let i = 0; i < 60; i++) {
      const obj = random.ofKind(gvk);
      for (const sub of SUBRESOURCES) {
        assert.equal(
          createdFieldsV1Json(obj, type, sub),
          viaFieldSet(obj, type, sub),
          `${rt.kind} #${i} sub=${sub}: ${JSON.stringify(obj)}`,
        );
        compared++;
      }
      // The same object read without a schema (CRD-like), and as the wrong kind.
      assert.equal(createdFieldsV1Json(obj, undefined, undefined), viaFieldSet(obj, undefined, undefined));
      assert.equal(createdFieldsV1Json(obj, fx.pod, undefined), viaFieldSet(obj, fx.pod, undefined));
    }
  }
  assert.ok(compared > 5000);
});

test('a create records the same managedFields as before, the FieldsV1 parsed only when read', () => {
  const random = new RandomObjects(7);
  const objects: KubeObject[] = [
    ...samples(),
    ...RESOURCE_TYPES.map((rt) => random.ofKind({ group: rt.group, version: rt.version, kind: rt.kind })),
  ] as KubeObject[];
  for (const obj of objects) {
    // Sent managedFields take the general path (unchanged); the shortcut is for creates without.
    if (obj.metadata && typeof obj.metadata === 'object') delete obj.metadata.managedFields;
    const type = typeOf(obj);
    for (const subresource of [undefined, 'status']) {
      const opts = {
        manager: 'kubectl-create',
        operation: 'Update' as const,
        apiVersion: String(obj.apiVersion),
        now: '2026-01-02T03:04:05Z',
        subresource,
        type,
      };
      const set = createdFieldSet(obj, type, subresource);
      const expected = withManagedFields(obj, [
        {
          manager: opts.manager,
          operation: 'Update',
          apiVersion: opts.apiVersion,
          set,
          ...(subresource !== undefined && { subresource }),
          time: opts.now,
        },
      ]);
      const got = updateManagedFields(undefined, obj, opts);
      assert.equal(JSON.stringify(got), JSON.stringify(expected));
      assert.deepEqual(structuredClone(got), expected);
    }
  }
});

test('the lazy FieldsV1 entry behaves as a plain object and forgets its text once read or set', () => {
  const obj = schemaFixtures.pod() as KubeObject;
  delete obj.metadata.managedFields;
  const opts = { manager: 'm', operation: 'Update' as const, apiVersion: 'v1', now: 't', type: typeOf(obj) };
  const fresh = () => (updateManagedFields(undefined, obj, opts).metadata.managedFields ?? [])[0];
  const entry = fresh();
  const text = rawFieldsV1Of(entry) ?? assert.fail('a fresh entry keeps its FieldsV1 text');
  assert.ok(text.startsWith('{"f:metadata":'));
  assert.deepEqual(Object.keys(entry), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  assert.deepEqual(structuredClone(entry).fieldsV1, JSON.parse(text));
  // Reading it (here through structuredClone) materialises it: the text is no longer trusted.
  assert.equal(rawFieldsV1Of(entry), undefined);
  const read = fresh();
  (read.fieldsV1 as Record<string, unknown>)['f:extra'] = {};
  assert.equal(rawFieldsV1Of(read), undefined);
  assert.ok(JSON.stringify(read).includes('"f:extra":{}'));
  const set = fresh();
  set.fieldsV1 = { 'f:x': {} };
  assert.equal(rawFieldsV1Of(set), undefined);
  assert.deepEqual({ ...set }.fieldsV1, { 'f:x': {} });
  const spread = { ...fresh() };
  assert.equal(rawFieldsV1Of(spread), undefined);
  assert.deepEqual(spread.fieldsV1, JSON.parse(text));
});

test('a create of an object with no tracked field records no manager', () => {
  const obj = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'd', uid: 'u', managedFields: [] },
  } as unknown as KubeObject;
  const got = updateManagedFields(undefined, obj, {
    manager: 'm',
    operation: 'Update',
    apiVersion: 'v1',
    now: 't',
    type: typeOf(obj),
  });
  assert.equal(got.metadata.managedFields, undefined);
  assert.equal(createdFieldsV1Json(obj, typeOf(obj), undefined), undefined);
});
