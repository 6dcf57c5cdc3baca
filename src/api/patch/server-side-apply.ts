/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`), following
 * structured-merge-diff's `Updater.Apply`:
 *
 *   live ──► merge(config) ──► prune fields this manager applied last time but not now
 *        (unless another manager owns them) ──► compare with live ──► conflicts?
 *        ── no / force ──► others lose changed + removed fields; manager's set = config's fields
 *
 * Called by the PATCH handler once the body is parsed to JSON. Pure; the caller defaults,
 * validates and stores the returned object.
 */
import { errors } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { TypeInfo } from '../schema/type-info.js';
import { clone, isObject, type JsonObject } from './json-value.js';
import { mergeApplied } from './apply-merge.js';
import { applyConflictError } from './apply-conflict.js';
import { compareObjects } from './compare.js';
import { FieldSet } from './field-set.js';
import { decodeManagedFields, managerId, type Manager } from './managed-fields-codec.js';
import { stripManaged, withManagedFields } from './managed-fields.js';
import { removeAt } from './object-paths.js';
import { findConflicts, ignoredFieldsFilter, settleOwnership } from './ownership.js';
import { fieldSetOf } from './to-field-set.js';

export interface ApplyOptions {
  /** `?fieldManager=`, required for apply (e.g. `kubectl`). */
  manager: string;
  /** `?force=true`: take ownership of conflicting fields instead of failing. */
  force: boolean;
  type: TypeInfo | undefined;
  /** apiVersion of the request, recorded on the manager entry. */
  apiVersion: string;
  /** RFC 3339 timestamp for the manager entry. */
  now: string;
  /** '' / undefined for the main resource, or 'status'. */
  subresource?: string;
}

/**
 * Applies configuration `applied` for `opts.manager` onto `live` (undefined: create). Returns the
 * new object with `metadata.managedFields` updated. Throws 409 Conflict (see apply-conflict.ts)
 * when other managers own fields with different values and `force` is false; 400 when the
 * configuration carries managedFields. Re-applying the same configuration is a no-op apart
 * from the entry's time.
 */
export function applyServerSide(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions,
): { object: KubeObject } {
  if (applied.metadata?.managedFields != null) throw errors.badRequest('metadata.managedFields must be nil');
  const sub = opts.subresource || undefined;
  const filter = (s: FieldSet) => ignoredFieldsFilter(s, sub);
  const base: JsonObject = live ? (stripManaged(live) as JsonObject) : {};
  let managers = decodeManagedFields(live?.metadata?.managedFields);
  if (live && managers.length === 0) {
    // Objects written before any tracking: everything so far belongs to "before-first-apply".
    managers = [
      {
        manager: 'before-first-apply',
        operation: 'Update',
        apiVersion: live.apiVersion,
        set: filter(fieldSetOf(base, opts.type)),
      },
    ];
  }
  const config = restrictToSubresource(applied, sub);
  const configSet = filter(fieldSetOf(config, opts.type));
  const id = managerId({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: sub });
  const lastSet = managers.find((m) => managerId(m) === id)?.set;
  const entry: Manager = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    time: opts.now,
    set: configSet,
    ...(sub && { subresource: sub }),
  };
  managers = [...managers.filter((m) => managerId(m) !== id), entry];

  const merged = mergeApplied(base, config, opts.type) as JsonObject;
  prune(merged, managers, lastSet, opts.type, filter);

  const cmp = compareObjects(base, merged, opts.type, filter);
  const conflicts = findConflicts(managers, cmp, id);
  if (conflicts.length > 0 && !opts.force) throw applyConflictError(conflicts);
  const settled = settleOwnership(managers, cmp, id, conflicts);
  return { object: withManagedFields(merged as KubeObject, settled) };
}

/** Fields applied last time, no longer applied and owned by nobody are removed (in place). */
function prune(
  merged: JsonObject,
  managers: Manager[],
  lastSet: FieldSet | undefined,
  type: TypeInfo | undefined,
  filter: (s: FieldSet) => FieldSet,
): void {
  if (!lastSet || lastSet.isEmpty()) return;
  const owned = managers.reduce((acc, m) => acc.union(m.set), new FieldSet()).withNamedFieldsAsMembers();
  const present = filter(fieldSetOf(merged, type)).withNamedFieldsAsMembers();
  const toRemove = lastSet.withNamedFieldsAsMembers().intersection(present).difference(owned);
  for (const p of toRemove.paths().sort((a, b) => a.length - b.length)) removeAt(merged, p);
}

/** On the main resource `status` is not applied; on `/status` only `status` is. */
function restrictToSubresource(applied: KubeObject, sub: string | undefined): JsonObject {
  const c = clone(applied) as JsonObject;
  if (sub === 'status') {
    const meta = isObject(c.metadata) ? c.metadata : {};
    return {
      apiVersion: c.apiVersion,
      kind: c.kind,
      metadata: {
        ...(meta.name !== undefined && { name: meta.name }),
        ...(meta.namespace !== undefined && { namespace: meta.namespace }),
      },
      ...(c.status !== undefined && { status: c.status }),
    };
  }
  if (sub === undefined) delete c.status;
  return c;
}
