/**
 * The ownership bookkeeping shared by apply and update (structured-merge-diff `Updater.update`):
 * given a comparison of the live object with the new one, other managers that own a field the
 * change added or modified are in conflict; fields the change removed leave every other manager.
 * Also: which fields are never tracked (`ignoredFieldsFilter`).
 */
import type { Comparison } from './compare.js';
import { fieldElement, type FieldPath } from './field-path.js';
import { FieldSet } from './field-set.js';
import { managerId, type Manager } from './managed-fields-codec.js';

const META_IGNORED = [
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
];

/**
 * Drops fields Kubernetes never tracks (apiVersion, kind, system metadata) and the fields the
 * request cannot change: `status` on the main resource, everything but `status` on `/status`.
 */
export function ignoredFieldsFilter(set: FieldSet, subresource: string | undefined): FieldSet {
  const drop: FieldPath[] = [
    [fieldElement('apiVersion')],
    [fieldElement('kind')],
    ...META_IGNORED.map((f) => [fieldElement('metadata'), fieldElement(f)]),
  ];
  if (subresource === 'status') {
    for (const k of set.children.keys()) if (k !== fieldElement('status')) drop.push([k]);
  } else if (subresource === undefined || subresource === '') {
    drop.push([fieldElement('status')]);
  }
  return set.withoutSubtrees(drop);
}

export interface ManagerConflict {
  manager: Manager;
  paths: FieldPath[];
}

/** Other managers owning a field the change adds or modifies. */
export function findConflicts(managers: Manager[], cmp: Comparison, actingId: string): ManagerConflict[] {
  const changed = cmp.modified.union(cmp.added);
  const out: ManagerConflict[] = [];
  for (const m of managers) {
    if (managerId(m) === actingId) continue;
    const paths = m.set.intersection(changed).paths();
    if (paths.length) out.push({ manager: m, paths });
  }
  return out;
}

/** Other managers lose conflicting fields (when forced) and removed fields; empty ones vanish. */
export function settleOwnership(
  managers: Manager[],
  cmp: Comparison,
  actingId: string,
  conflicts: ManagerConflict[],
): Manager[] {
  const out: Manager[] = [];
  for (const m of managers) {
    if (managerId(m) === actingId) {
      out.push(m);
      continue;
    }
    let set = m.set.difference(cmp.removed);
    const c = conflicts.find((x) => x.manager === m);
    if (c) set = set.difference(FieldSet.of(c.paths));
    if (!set.isEmpty()) out.push({ ...m, set });
  }
  return out;
}
