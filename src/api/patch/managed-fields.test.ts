import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import { updateManagedFields, type UpdateManagedFieldsOptions } from './managed-fields.js';
import { applyServerSide } from './server-side-apply.js';
import { deployment } from './testing/type-fixture.js';

const T1 = '2024-01-01T00:00:00Z';
const T2 = '2024-01-02T00:00:00Z';
const upd = (
  manager: string,
  now = T2,
  extra: Partial<UpdateManagedFieldsOptions> = {},
): UpdateManagedFieldsOptions => ({
  manager,
  operation: 'Update',
  apiVersion: 'apps/v1',
  now,
  type: deployment,
  ...extra,
});
const web = (image: string, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', labels: { app: 'web' } },
  spec: { replicas, template: { spec: { containers: [{ name: 'web', image }] } } },
});
const entry = (o: KubeObject, manager: string) => o.metadata.managedFields?.find((m) => m.manager === manager);

test('create: the creating manager owns every non-system field', () => {
  const o = updateManagedFields(undefined, web('nginx:1'), upd('kubectl-create', T1));
  assert.deepEqual(o.metadata.managedFields, [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:template': {
            'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
});

test('update: the editor takes the fields it changed from the creator', () => {
  const created = updateManagedFields(undefined, web('nginx:1'), upd('kubectl-create', T1));
  const edited = updateManagedFields(
    created,
    { ...web('nginx:2'), metadata: { ...created.metadata } },
    upd('kubectl-edit'),
  );
  assert.deepEqual(entry(edited, 'kubectl-edit')?.fieldsV1, {
    'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } },
  });
  assert.deepEqual(entry(edited, 'kubectl-create')?.fieldsV1, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:name': {} } } } },
    },
  });
  assert.equal(entry(edited, 'kubectl-create')?.time, T1);
  // A later server-side apply of another image conflicts with kubectl-edit.
  assert.throws(
    () =>
      applyServerSide(edited, web('nginx:3'), {
        manager: 'kubectl',
        force: false,
        type: deployment,
        apiVersion: 'apps/v1',
        now: T2,
      }),
    /conflict with "kubectl-edit" using apps\/v1: \.spec\.template\.spec\.containers\[name="web"\]\.image/,
  );
});

test('update: removed fields leave their owners; a no-op write adds no entry', () => {
  const created = updateManagedFields(undefined, web('nginx:1'), upd('kubectl-create', T1));
  const noop = updateManagedFields(created, { ...created }, upd('someone'));
  assert.deepEqual(
    noop.metadata.managedFields?.map((m) => m.manager),
    ['kubectl-create'],
  );
  const without = web('nginx:1');
  delete without.metadata.labels;
  const removed = updateManagedFields(
    created,
    { ...without, metadata: { ...without.metadata, managedFields: created.metadata.managedFields } },
    upd('kubectl-edit'),
  );
  const kept = entry(removed, 'kubectl-create')?.fieldsV1;
  assert.ok(kept, 'the creator keeps its other fields');
  assert.equal('f:metadata' in kept, false);
  assert.equal(entry(removed, 'kubectl-edit'), undefined);
});

test('status: ignored on the main resource, tracked with subresource on /status', () => {
  const created = updateManagedFields(undefined, web('nginx:1'), upd('kubectl-create', T1));
  const mainWithStatus = updateManagedFields(created, { ...created, status: { replicas: 1 } }, upd('writer'));
  assert.equal(entry(mainWithStatus, 'writer'), undefined);
  const viaStatus = updateManagedFields(
    created,
    { ...created, status: { replicas: 1 } },
    upd('deployment-controller', T2, { subresource: 'status' }),
  );
  assert.deepEqual(entry(viaStatus, 'deployment-controller'), {
    manager: 'deployment-controller',
    operation: 'Update',
    apiVersion: 'apps/v1',
    time: T2,
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:replicas': {} } },
    subresource: 'status',
  });
});

test('update: managedFields sent by the client replace the stored ones; [{}] clears them', () => {
  const created = updateManagedFields(undefined, web('nginx:1'), upd('kubectl-create', T1));
  const cleared = updateManagedFields(
    created,
    { ...created, metadata: { ...created.metadata, managedFields: [{}] } },
    upd('x'),
  );
  assert.deepEqual(cleared.metadata.managedFields, undefined);
});
