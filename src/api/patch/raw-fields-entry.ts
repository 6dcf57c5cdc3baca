/**
 * A managedFields entry whose `fieldsV1` is held as JSON text and parsed only when someone reads
 * it. A create's entry is usually never read before it is stored: the storage encoder writes the
 * text as it is (`rawFieldsV1Of`). That saves parsing ~60 small objects keyed `f:…`/`k:{…}` and
 * stringifying them again (both slow: every key needs escaping) on every pod create.
 *
 * To every reader the entry is an object with a plain `fieldsV1`: it is an own enumerable
 * accessor, so JSON.stringify, spread, Object.entries and structuredClone read it like data.
 * Once `fieldsV1` has been read or assigned the text is forgotten, so a later in-place change of
 * the parsed value can never be shadowed by stale text. The accessor functions are shared by all
 * entries (a per-object closure would give every entry its own hidden class, which is slower).
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';

export interface EntryHead {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
}

class TextFieldsEntry {
  #text: string;
  #value: unknown;
  #read = false;

  static readonly #fieldsV1: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: TextFieldsEntry): unknown {
      if (!this.#read) {
        this.#value = JSON.parse(this.#text);
        this.#read = true;
      }
      return this.#value;
    },
    set(this: TextFieldsEntry, v: unknown): void {
      this.#value = v;
      this.#read = true;
    },
  };

  /** Keys in encodeManagedFields' order: manager, operation, apiVersion, time?, fieldsType, fieldsV1, subresource?. */
  constructor(head: EntryHead, text: string) {
    const self = this as unknown as Record<string, unknown>;
    self.manager = head.manager;
    self.operation = head.operation;
    self.apiVersion = head.apiVersion;
    if (head.time !== undefined) self.time = head.time;
    self.fieldsType = 'FieldsV1';
    Object.defineProperty(this, 'fieldsV1', TextFieldsEntry.#fieldsV1);
    if (head.subresource !== undefined) self.subresource = head.subresource;
    this.#text = text;
    // A plain object to everyone else (deep-equality checks compare prototypes); the private
    // fields stay with the instance.
    Object.setPrototypeOf(this, Object.prototype);
  }

  static textOf(entry: unknown): string | undefined {
    return typeof entry === 'object' && entry !== null && #read in entry && !(entry as TextFieldsEntry).#read
      ? (entry as TextFieldsEntry).#text
      : undefined;
  }
}

/** The entry `head` + `fieldsType: 'FieldsV1'` with fieldsV1 parsed from `fieldsV1Json` on first read. */
export function entryWithRawFieldsV1(head: EntryHead, fieldsV1Json: string): ManagedFieldsEntry {
  return new TextFieldsEntry(head, fieldsV1Json) as unknown as ManagedFieldsEntry;
}

/** The JSON text of `entry.fieldsV1` when it was made by entryWithRawFieldsV1 and never read or set since. */
export function rawFieldsV1Of(entry: unknown): string | undefined {
  return TextFieldsEntry.textOf(entry);
}
