import type {
  CustomResourceDefinition,
  CustomResourceDefinitionCondition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionStatus,
} from 'kubernetes-types/apiextensions/v1.js';
import { deepEqual } from '../../api/deep-equal.js';

/**
 * What kube-apiserver's naming and establishing controllers would write into each CRD's status:
 * acceptedNames when no other CRD of the group holds one of its names (older CRDs win), the
 * NamesAccepted and Established conditions, and storedVersions with the storage version added.
 * `now` stamps changed conditions. Pure: returns the new status of each CRD whose status differs.
 */
export function planCrdStatuses(
  crds: CustomResourceDefinition[],
  now: string,
): { name: string; status: CustomResourceDefinitionStatus }[] {
  const ordered = [...crds].sort(
    (a, b) =>
      (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') ||
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  // Names in use per group: by every CRD whose names are already accepted.
  const taken = new Map<string, Map<string, string>>();
  const claim = (group: string, owner: string, names: CustomResourceDefinitionNames) => {
    let g = taken.get(group);
    if (!g) taken.set(group, (g = new Map()));
    for (const n of [names.plural, names.singular, ...(names.shortNames ?? [])]) if (n) g.set(`r:${n}`, owner);
    for (const n of [names.kind, names.listKind]) if (n) g.set(`k:${n}`, owner);
  };
  for (const crd of ordered)
    if (crd.status?.acceptedNames?.plural) claim(crd.spec.group, crd.metadata?.name ?? '', crd.status.acceptedNames);

  const out: { name: string; status: CustomResourceDefinitionStatus }[] = [];
  for (const crd of ordered) {
    const name = crd.metadata?.name ?? '';
    const group = taken.get(crd.spec.group);
    const heldByOther = (key: string) => {
      const owner = group?.get(key);
      return owner !== undefined && owner !== name;
    };
    const n = crd.spec.names;
    const conflict = namesConflict(n, heldByOther);
    const old = crd.status ?? { acceptedNames: { plural: '', kind: '' } };
    const acceptedNames = conflict ? (old.acceptedNames ?? { plural: '', kind: '' }) : withDefaults(n);
    if (!conflict) claim(crd.spec.group, name, acceptedNames);
    const conditions = [...(old.conditions ?? [])];
    setCondition(conditions, now, {
      type: 'NamesAccepted',
      status: conflict ? 'False' : 'True',
      reason: conflict ? conflict.reason : 'NoConflicts',
      message: conflict ? conflict.message : 'no conflicts found',
    });
    const established = conditions.find((c) => c.type === 'Established')?.status === 'True';
    if (!conflict || !established)
      setCondition(conditions, now, {
        type: 'Established',
        status: conflict ? 'False' : 'True',
        reason: conflict ? 'NotAccepted' : 'InitialNamesAccepted',
        message: conflict ? 'not all names are accepted' : 'the initial names have been accepted',
      });
    if (crd.metadata?.deletionTimestamp)
      setCondition(conditions, now, {
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
      });
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    const storedVersions = [...(old.storedVersions ?? [])];
    if (storage && !storedVersions.includes(storage)) storedVersions.push(storage);
    const status: CustomResourceDefinitionStatus = { ...old, acceptedNames, conditions, storedVersions };
    if (!deepEqual(status, crd.status)) out.push({ name, status });
  }
  return out;
}

/** Whether a CRD is served: its names accepted and Established (or it was established before). */
export function isEstablished(crd: CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

function namesConflict(
  n: CustomResourceDefinitionNames,
  heldByOther: (key: string) => boolean,
): { reason: string; message: string } | undefined {
  const inUse = (reason: string, value: string) => ({ reason, message: `"${value}" is already in use` });
  if (heldByOther(`r:${n.plural}`)) return inUse('PluralConflict', n.plural);
  if (n.singular && heldByOther(`r:${n.singular}`)) return inUse('SingularConflict', n.singular);
  for (const s of n.shortNames ?? []) if (heldByOther(`r:${s}`)) return inUse('ShortNamesConflict', s);
  if (heldByOther(`k:${n.kind}`)) return inUse('KindConflict', n.kind);
  if (n.listKind && heldByOther(`k:${n.listKind}`)) return inUse('ListKindConflict', n.listKind);
  return undefined;
}

function withDefaults(n: CustomResourceDefinitionNames): CustomResourceDefinitionNames {
  return {
    ...n,
    singular: n.singular || n.kind.toLowerCase(),
    listKind: n.listKind || `${n.kind}List`,
  };
}

/** Sets a condition, keeping lastTransitionTime when its status is unchanged. */
function setCondition(
  conditions: CustomResourceDefinitionCondition[],
  now: string,
  c: Omit<CustomResourceDefinitionCondition, 'lastTransitionTime'>,
): void {
  const i = conditions.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? conditions[i] : undefined;
  const next = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return;
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
}
