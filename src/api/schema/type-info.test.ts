import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeInfoFor } from './type-info.js';
import { RESOURCE_TYPES } from '../resource-types.js';

test('Deployment navigates to containers with merge key name and ports keyed by containerPort+protocol', () => {
  const d = typeInfoFor({ group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(d?.kind, 'object');
  const podSpec = d?.field('spec')?.field('template')?.field('spec');
  const containers = podSpec?.field('containers');
  assert.equal(containers?.kind, 'array');
  assert.equal(containers?.patchStrategy, 'merge');
  assert.equal(containers?.patchMergeKey, 'name');
  assert.equal(containers?.listType, 'map');
  assert.deepEqual(containers?.listMapKeys, ['name']);
  const ports = containers?.elements()?.field('ports');
  assert.equal(ports?.patchMergeKey, 'containerPort');
  assert.deepEqual(ports?.listMapKeys, ['containerPort', 'protocol']);
  assert.equal(ports?.elements()?.field('containerPort')?.kind, 'scalar');
  const volumes = podSpec?.field('volumes');
  assert.equal(volumes?.patchStrategy, 'merge,retainKeys');
  assert.equal(podSpec?.field('tolerations')?.listType, 'atomic');
  assert.equal(d?.field('spec')?.field('strategy')?.patchStrategy, 'retainKeys');
});

test('maps, atomic structs, meta lists and unknown names', () => {
  const pod = typeInfoFor({ group: '', version: 'v1', kind: 'Pod' });
  const labels = pod?.field('metadata')?.field('labels');
  assert.equal(labels?.kind, 'map');
  assert.equal(labels?.elements()?.kind, 'scalar');
  const owners = pod?.field('metadata')?.field('ownerReferences');
  assert.equal(owners?.patchMergeKey, 'uid');
  assert.equal(owners?.elements()?.mapType, 'atomic');
  assert.equal(pod?.field('metadata')?.field('finalizers')?.listType, 'set');
  assert.equal(pod?.field('spec')?.field('nodeSelector')?.mapType, 'atomic');
  assert.equal(pod?.field('status')?.field('conditions')?.patchMergeKey, 'type');
  assert.equal(pod?.field('metadata')?.field('managedFields')?.elements()?.field('fieldsV1')?.kind, 'unknown');
  assert.equal(pod?.field('nope'), undefined);
  assert.equal(pod?.field('metadata')?.field('name')?.elements(), undefined);
  const svcPorts = typeInfoFor({ group: '', version: 'v1', kind: 'Service' })?.field('spec')?.field('ports');
  assert.equal(svcPorts?.patchMergeKey, 'port');
  assert.deepEqual(svcPorts?.listMapKeys, ['port', 'protocol']);
  assert.equal(typeInfoFor({ group: 'x', version: 'v1', kind: 'Y' }), undefined);
});

test('every served kind and its List has a schema; results are cached', () => {
  for (const rt of RESOURCE_TYPES) {
    const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
    assert.equal(typeInfoFor(gvk)?.kind, 'object', rt.kind);
    assert.equal(typeInfoFor({ ...gvk, kind: rt.listKind })?.field('items')?.kind, 'array', rt.listKind);
  }
  const a = typeInfoFor({ group: '', version: 'v1', kind: 'Pod' });
  assert.equal(a, typeInfoFor({ group: '', version: 'v1', kind: 'Pod' }));
  assert.equal(a?.field('spec'), a?.field('spec'));
});
