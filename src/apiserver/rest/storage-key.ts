import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { rawFieldsV1Of } from '../../api/patch/raw-fields-entry.js';

/** The store key of one object: `/registry/<group>/<plural>/[<namespace>/]<name>`. */
export function storageKey(rt: ResourceType, namespace: string, name: string): string {
  return rt.namespaced ? `${rt.storagePrefix}${namespace}/${name}` : `${rt.storagePrefix}${name}`;
}

/**
 * The stored form of an object: JSON with apiVersion, kind and metadata first, so the first
 * `"metadata":{` in the text is the object's own (the watch cache relies on it to add the
 * resourceVersion without re-parsing).
 */
export function encodeObject(obj: KubeObject): Buffer {
  const managedFields = obj.metadata?.managedFields;
  if (Array.isArray(managedFields) && managedFields.some((e) => rawFieldsV1Of(e) !== undefined))
    return Buffer.from(withFieldsV1Text(obj, managedFields));
  // Decoded bodies often already start with apiVersion, kind, metadata: no reordered copy then.
  if (startsWithTypeAndMetadata(obj)) return Buffer.from(JSON.stringify(obj));
  const { apiVersion, kind, metadata, ...rest } = obj;
  return Buffer.from(JSON.stringify({ apiVersion, kind, metadata, ...rest }));
}

/** encodeObject's JSON for an object whose managedFields (a create's) still hold their FieldsV1 as text: written as it is. */
function withFieldsV1Text(obj: KubeObject, managedFields: unknown[]): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const body = JSON.stringify(rest);
  // Integer-like keys (`{"10": ...}`) go first in an object: leave those to JSON.stringify.
  const digit = body.charCodeAt(2);
  if (digit >= 0x30 && digit <= 0x39) return JSON.stringify({ apiVersion, kind, metadata, ...rest });
  return `{${member('apiVersion', apiVersion)}${member('kind', kind)}"metadata":${metadataJson(metadata as Record<string, unknown>, managedFields)}${body.length > 2 ? `,${body.slice(1)}` : '}'}`;
}

/** JSON.stringify(metadata) with its managedFields' FieldsV1 text written as it is. */
function metadataJson(metadata: Record<string, unknown>, managedFields: unknown[]): string {
  let last: string | undefined;
  for (const k in metadata) last = k;
  if (last !== 'managedFields') return objectJson(metadata);
  // The usual case (a create appends managedFields): the other fields in one JSON.stringify.
  const { managedFields: _, ...others } = metadata;
  const json = JSON.stringify(others);
  return `${json.length > 2 ? `${json.slice(0, -1)},` : '{'}"managedFields":${managedFieldsJson(managedFields)}}`;
}

/** `"key":<json>,` as JSON.stringify writes an object member ('' for undefined, which it leaves out). */
function member(key: string, value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? '' : `${JSON.stringify(key)}:${json},`;
}

/** JSON.stringify of an object; FieldsV1 kept as text is written as it is. */
function objectJson(o: Record<string, unknown>, rawKey?: 'fieldsV1'): string {
  let out = '';
  for (const k in o) {
    const json =
      k === rawKey
        ? (rawFieldsV1Of(o) ?? JSON.stringify(o[k]))
        : k === 'managedFields' && rawKey === undefined && Array.isArray(o[k])
          ? managedFieldsJson(o[k] as unknown[])
          : JSON.stringify(o[k]);
    if (json === undefined) continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(k)}:${json}`;
  }
  return `{${out}}`;
}

function managedFieldsJson(entries: unknown[]): string {
  return `[${entries.map((e) => (rawFieldsV1Of(e) !== undefined ? objectJson(e as Record<string, unknown>, 'fieldsV1') : (JSON.stringify(e) ?? 'null'))).join(',')}]`;
}

/** Whether the first own keys are apiVersion, kind, metadata (all set), in that order. */
function startsWithTypeAndMetadata(obj: object): boolean {
  let i = 0;
  for (const k in obj) {
    if (k !== (i === 0 ? 'apiVersion' : i === 1 ? 'kind' : 'metadata')) return false;
    if ((obj as Record<string, unknown>)[k] === undefined) return false;
    if (++i === 3) return true;
  }
  return false;
}

export function decodeObject<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
}

const METADATA_OPEN = Buffer.from('"metadata":{');

/**
 * Adds `metadata.resourceVersion` to JSON written by encodeObject (metadata first, no
 * resourceVersion), on the bytes: a create's reply is the stored bytes plus the revision the store
 * gave them, without another JSON pass. Returns a new buffer.
 */
export function withResourceVersion(stored: Uint8Array, revision: number): Buffer {
  const bytes = Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const at = bytes.indexOf(METADATA_OPEN);
  if (at < 0) return Buffer.from(bytes);
  const open = at + METADATA_OPEN.length;
  const field = Buffer.from(
    bytes[open] === 0x7d ? `"resourceVersion":"${revision}"` : `"resourceVersion":"${revision}",`,
  );
  return Buffer.concat([bytes.subarray(0, open), field, bytes.subarray(open)]);
}

const SERIALIZED = Symbol('serialized');

/** Attaches the JSON an object was just stored as (with its resourceVersion), so the response reuses it. */
export function rememberJson<T extends object>(obj: T, json: string | Buffer): T {
  Object.defineProperty(obj, SERIALIZED, { value: json, enumerable: false });
  return obj;
}

/** JSON of an object: the remembered form when it has one, else JSON.stringify; a Buffer is JSON already (a create's reply). */
export function toJson(obj: unknown): string | Buffer {
  if (Buffer.isBuffer(obj)) return obj;
  const remembered =
    typeof obj === 'object' && obj !== null ? (obj as { [SERIALIZED]?: string | Buffer })[SERIALIZED] : undefined;
  return remembered ?? JSON.stringify(obj);
}
