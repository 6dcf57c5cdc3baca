import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFINITIONS, definitionNameFor } from './definitions.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { FIELD_PATCH_METADATA } from './patch-metadata.js';

test('generated definitions carry GVKs for every served kind and its List', () => {
  for (const rt of RESOURCE_TYPES) {
    for (const kind of [rt.kind, rt.listKind]) {
      const name = definitionNameFor({ group: rt.group, version: rt.version, kind });
      assert.ok(name, `${rt.group}/${rt.version} ${kind}`);
      assert.ok(
        DEFINITIONS[name]?.['x-kubernetes-group-version-kind']?.some(
          (g) => g.group === rt.group && g.version === rt.version && g.kind === kind,
        ),
      );
    }
  }
  assert.equal(definitionNameFor({ group: '', version: 'v1', kind: 'Pod' }), 'io.k8s.api.core.v1.Pod');
  assert.equal(
    definitionNameFor({ group: 'events.k8s.io', version: 'v1', kind: 'Event' }),
    'io.k8s.api.events.v1.Event',
  );
  assert.equal(
    definitionNameFor({ group: 'autoscaling', version: 'v1', kind: 'Scale' }),
    'io.k8s.api.autoscaling.v1.Scale',
  );
  assert.equal(
    definitionNameFor({ group: 'apps', version: 'v1', kind: 'DeleteOptions' }),
    'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  );
});

test('Pod and Deployment definitions: merge keys, required fields, descriptions, special types', () => {
  const container = DEFINITIONS['io.k8s.api.core.v1.Container'];
  assert.equal(container?.properties?.ports?.['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.deepEqual(container?.properties?.ports?.['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(container?.properties?.env?.['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(container?.properties?.volumeMounts?.['x-kubernetes-patch-merge-key'], 'mountPath');
  assert.deepEqual(container?.required, ['name']);
  assert.match(container?.properties?.image?.description ?? '', /Container image name/);
  const podSpec = DEFINITIONS['io.k8s.api.core.v1.PodSpec'];
  assert.equal(podSpec?.properties?.containers?.['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(podSpec?.properties?.containers?.items?.$ref, '#/definitions/io.k8s.api.core.v1.Container');
  assert.equal(
    DEFINITIONS['io.k8s.api.apps.v1.DeploymentStatus']?.properties?.conditions?.['x-kubernetes-patch-merge-key'],
    'type',
  );
  assert.equal(
    DEFINITIONS['io.k8s.api.apps.v1.RollingUpdateDeployment']?.properties?.maxSurge?.$ref,
    '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  );
  assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.['x-kubernetes-int-or-string'], true);
  assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.Time']?.format, 'date-time');
  assert.equal(
    (
      DEFINITIONS['io.k8s.api.core.v1.ResourceRequirements']?.properties?.limits?.additionalProperties as
        | { $ref: string }
        | undefined
    )?.$ref,
    '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity',
  );
  assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']?.properties?.generation?.format, 'int64');
});

test('every patch-metadata entry names a generated property', () => {
  for (const [def, props] of Object.entries(FIELD_PATCH_METADATA)) {
    for (const prop of Object.keys(props)) assert.ok(DEFINITIONS[def]?.properties?.[prop], `${def}.${prop}`);
  }
});
