/**
 * Field-manager tracking for ordinary writes (create, update, patch), as Kubernetes'
 * FieldManager.Update does: the writing manager (`?fieldManager=`, e.g. `kubectl-client-side-apply`,
 * `kubectl-edit`, `kubectl-create`) gains the fields its write added or changed, other managers
 * lose them and lose removed fields. Called by the registry after the new object is final
 * (defaults applied), before it is stored.
 *
 *   old ─┐                        ┌─► manager set ∪= added ∪ modified, −= removed
 *        ├─► field sets ─► compare┤
 *   new ─┘                        └─► others −= added ∪ modified ∪ removed
 */
import type { KubeObject } from '../object.js';
import type { TypeInfo } from '../schema/type-info.js';
import { deepEqual, isObject } from './json-value.js';
import { compareObjects } from './compare.js';
import { FieldSet } from './field-set.js';
import { createdFieldsV1Json } from './created-fields-v1.js';
import { entryWithRawFieldsV1 } from './raw-fields-entry.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  managedFieldsDecode,
  managerId,
  type Manager,
} from './managed-fields-codec.js';
import { findConflicts, ignoredFieldsFilter, settleOwnership } from './ownership.js';

export interface UpdateManagedFieldsOptions {
  /** The field manager: `?fieldManager=` or a name derived from the user agent. */
  manager: string;
  operation: 'Update';
  /** apiVersion the request was made in, e.g. `apps/v1`. */
  apiVersion: string;
  /** RFC 3339 timestamp recorded on the manager's entry. */
  now: string;
  /** '' or undefined for the main resource, 'status', 'scale'... */
  subresource?: string;
  type: TypeInfo | undefined;
}

/**
 * Returns a copy of `updated` whose `metadata.managedFields` records the write. `old` undefined
 * means a create. Managed fields sent in `updated` replace the stored ones when they differ
 * (main resource only; `[{}]` clears them), as Kubernetes allows. Idempotent for a no-op write.
 */
export function updateManagedFields(
  old: KubeObject | undefined,
  updated: KubeObject,
  opts: UpdateManagedFieldsOptions,
): KubeObject {
  const sub = opts.subresource || undefined;
  if (
    old === undefined &&
    !(Array.isArray(updated.metadata?.managedFields) && updated.metadata.managedFields.length > 0)
  ) {
    // A create with no managers yet: the creator owns every field; nothing to compare against.
    // Its FieldsV1 is written as JSON in one walk (what createdFieldSet(...).toFieldsV1() gives).
    const json = createdFieldsV1Json(updated, opts.type, sub);
    const out = { ...updated, metadata: { ...updated.metadata } };
    if (json === undefined) delete out.metadata.managedFields;
    // The text stays unparsed until someone reads it (encodeObject writes it as it is).
    else
      out.metadata.managedFields = [
        entryWithRawFieldsV1(
          { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, subresource: sub },
          json,
        ),
      ];
    return out;
  }
  const managers = managersForUpdate(old, updated, sub);
  const before = old ?? {};
  const filter = (s: FieldSet) => ignoredFieldsFilter(s, sub);
  const cmp = compareObjects(stripManaged(before), stripManaged(updated), opts.type, filter);
  const id = managerId({ manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, subresource: sub });
  const conflicts = findConflicts(managers, cmp, id);
  const settled = settleOwnership(managers, cmp, id, conflicts);
  const previous = settled.find((m) => managerId(m) === id);
  const set = (previous?.set ?? new FieldSet()).difference(cmp.removed).union(cmp.modified).union(cmp.added);
  const changed = !previous || !cmp.added.isEmpty() || !cmp.modified.isEmpty() || !cmp.removed.isEmpty();
  const entry: Manager = {
    manager: opts.manager,
    operation: 'Update',
    apiVersion: opts.apiVersion,
    set: filter(set),
    ...(sub !== undefined && { subresource: sub }),
    time: changed ? opts.now : (previous?.time ?? opts.now),
  };
  return withManagedFields(updated, [...settled.filter((m) => managerId(m) !== id), entry]);
}

/** Copy of `obj` with `metadata.managedFields` set from `managers` (removed when none). */
export function withManagedFields(obj: KubeObject, managers: Manager[]): KubeObject {
  // A shallow copy with its own metadata: callers never mutate the input's nested values afterwards.
  const out = { ...obj };
  const encoded = encodeManagedFields(managers);
  out.metadata = { ...out.metadata };
  if (encoded.length) out.metadata.managedFields = encoded;
  else delete out.metadata.managedFields;
  return out;
}

/** The object without managedFields, for computing its field set. */
export function stripManaged(obj: unknown): unknown {
  if (!isObject(obj) || !isObject(obj.metadata) || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _ignored, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** Kubernetes' decodeLiveOrNew: managed fields from the request when it changed them, else live's. */
function managersForUpdate(old: KubeObject | undefined, updated: KubeObject, sub: string | undefined): Manager[] {
  const sent = updated.metadata?.managedFields;
  const live = old?.metadata?.managedFields;
  if (sub === undefined && Array.isArray(sent) && sent.length > 0 && !deepEqual(sent, live)) {
    // `[{}]` resets them; other sent managed fields that do not decode are ignored (live's
    // stay), as Kubernetes' decodeLiveOrNew does.
    if (sent.length === 1 && isObject(sent[0]) && Object.keys(sent[0]).length === 0) return [];
    if (managedFieldsDecode(sent)) return decodeManagedFields(sent);
  }
  return decodeManagedFields(live);
}
