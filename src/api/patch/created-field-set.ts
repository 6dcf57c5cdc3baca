/**
 * The field set a creator owns, built in one walk: what `fieldSetOf` plus structured-merge-diff's
 * "added granular maps" give for a create, minus the fields never tracked, without the path
 * arrays, unions and filters of the general comparison. managed-fields.test.ts checks it against
 * the general path. Creates write the same set straight as FieldsV1 text (created-fields-v1.ts);
 * this FieldSet form is the reference that file's tests compare against, byte for byte.
 */
import type { TypeInfo } from '../schema/type-info.js';
import { isObject } from './json-value.js';
import { FieldSet } from './field-set.js';
import { fieldElement, type PathElement } from './field-path.js';
import { isAtomicMap, itemElement, listSemantics } from './list-semantics.js';
import { childType } from './smp-directives.js';

const META_IGNORED = new Set([
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
]);

/** The creator's fields of `obj` (main resource, or the `status` subresource). */
export function createdFieldSet(
  obj: Record<string, unknown>,
  type: TypeInfo | undefined,
  subresource: string | undefined,
): FieldSet {
  const root = new FieldSet();
  for (const [k, child] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || child === undefined) continue;
    if (subresource === 'status' ? k !== 'status' : k === 'status' && (subresource === undefined || subresource === ''))
      continue;
    const ct = childType(type, k);
    if (k === 'metadata' && isObject(child)) {
      const tracked: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(child)) if (!META_IGNORED.has(mk)) tracked[mk] = mv;
      addField(root, k, tracked, ct, type?.kind ?? 'unknown', child);
      continue;
    }
    addField(root, k, child, ct, type?.kind ?? 'unknown');
  }
  return root;
}

/** Adds field `key` of a `parentKind` value; membership is judged on `original` (metadata before its untracked keys are dropped). */
function addField(
  parent: FieldSet,
  key: string,
  value: unknown,
  ct: TypeInfo | undefined,
  parentKind: string,
  original: unknown = value,
): void {
  const node = new FieldSet();
  const granularEntry =
    parentKind === 'map' || parentKind === 'unknown' || (parentKind === 'object' && ct === undefined);
  if (granularEntry || original === null || (isObject(original) && Object.keys(original).length === 0))
    node.member = true;
  walk(value, ct, node);
  if (node.member || node.children.size > 0) parent.children.set(fieldElement(key), node);
}

function walk(v: unknown, t: TypeInfo | undefined, node: FieldSet): void {
  const kind = t?.kind ?? 'unknown';
  if (kind === 'scalar' || isAtomicMap(t)) {
    node.member = true;
    return;
  }
  if (kind === 'array') {
    const sem = listSemantics(t);
    if (!Array.isArray(v) || sem.kind === 'atomic') {
      node.member = true;
      return;
    }
    v.forEach((item, i) => {
      const child = new FieldSet();
      child.member = true;
      if (sem.kind === 'map') walk(item, t?.elements(), child);
      node.children.set(itemElement(item, i, sem) as PathElement, child);
    });
    return;
  }
  if (!isObject(v)) {
    node.member = true;
    return;
  }
  // A granular map that appears is itself added (structured-merge-diff's comparison), hence `".": {}`.
  if (kind === 'map') node.member = true;
  for (const [k, child] of Object.entries(v)) {
    if (child === undefined) continue;
    addField(node, k, child, childType(t, k), kind);
  }
}
