import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { planCrdStatuses } from './crd-status-plan.js';

const NOW = '2026-01-01T00:00:00Z';

function crd(name: string, created: string, names: Record<string, unknown>): CustomResourceDefinition {
  return {
    metadata: { name, creationTimestamp: created },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: names as never,
      versions: [{ name: 'v1', served: true, storage: true }],
    },
  };
}

test('a new CRD: names accepted, Established, storedVersions', () => {
  const [plan] = planCrdStatuses([crd('widgets.example.com', NOW, { plural: 'widgets', kind: 'Widget' })], NOW);
  assert.equal(plan.name, 'widgets.example.com');
  assert.deepEqual(plan.status.acceptedNames, {
    plural: 'widgets',
    kind: 'Widget',
    singular: 'widget',
    listKind: 'WidgetList',
  });
  assert.deepEqual(plan.status.storedVersions, ['v1']);
  assert.deepEqual(
    plan.status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'],
      ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'],
    ],
  );
});

test('the older CRD keeps a contested name; the newer is not accepted; nothing to do twice', () => {
  const older = crd('widgets.example.com', '2026-01-01T00:00:00Z', { plural: 'widgets', kind: 'Widget' });
  const newer = crd('gizmos.example.com', '2026-01-01T00:00:01Z', { plural: 'gizmos', kind: 'Widget' });
  const plans = planCrdStatuses([newer, older], NOW);
  const byName = new Map(plans.map((p) => [p.name, p.status]));
  const gizmo = byName.get('gizmos.example.com');
  assert.deepEqual(
    gizmo?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['NamesAccepted', 'False', 'KindConflict', '"Widget" is already in use'],
      ['Established', 'False', 'NotAccepted', 'not all names are accepted'],
    ],
  );
  assert.deepEqual(gizmo?.acceptedNames, { plural: '', kind: '' });
  older.status = byName.get('widgets.example.com');
  newer.status = gizmo;
  assert.deepEqual(planCrdStatuses([older, newer], NOW), []);
});
