/**
 * A managedFields entry whose `fieldsV1` is held as JSON text and parsed only when someone reads
 * it. A create's entry is usually never read before it is stored: the storage encoder writes the
 * text as it is (`rawFieldsV1Of`), saving a parse into ~60 small objects and their stringify.
 *
 * To every reader the entry is a plain object with a plain `fieldsV1`: JSON.stringify, spread,
 * Object.entries, structuredClone and assignment all go through the accessor. Once `fieldsV1`
 * has been read or assigned, the text is forgotten, so a later in-place change of the parsed
 * value can never be shadowed by stale text.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';

/** Entries whose fieldsV1 has not been read yet → its JSON text. */
const untouched = new WeakMap<object, string>();

export interface EntryHead {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
}

/**
 * The entry `{manager, operation, apiVersion, time?, fieldsType: 'FieldsV1', fieldsV1, subresource?}`
 * (the key order encodeManagedFields writes) with fieldsV1 parsed from `fieldsV1Json` on first read.
 */
export function entryWithRawFieldsV1(head: EntryHead, fieldsV1Json: string): ManagedFieldsEntry {
  let parsed: unknown;
  let materialised = false;
  const entry: ManagedFieldsEntry = {
    manager: head.manager, operation: head.operation, apiVersion: head.apiVersion,
    ...(head.time !== undefined && { time: head.time }),
    fieldsType: 'FieldsV1',
    get fieldsV1(): object {
      if (!materialised) { parsed = JSON.parse(fieldsV1Json); materialised = true; untouched.delete(entry); }
      return parsed as object;
    },
    set fieldsV1(v: object) { parsed = v; materialised = true; untouched.delete(entry); },
    ...(head.subresource !== undefined && { subresource: head.subresource }),
  };
  untouched.set(entry, fieldsV1Json);
  return entry;
}

/** The JSON text of `entry.fieldsV1` when it was made by entryWithRawFieldsV1 and never read or set since. */
export function rawFieldsV1Of(entry: unknown): string | undefined {
  return typeof entry === 'object' && entry !== null ? untouched.get(entry) : undefined;
}
