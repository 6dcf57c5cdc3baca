import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { FieldError } from '../../api/errors.js';
import { errors } from '../../api/errors.js';
import { MAX_NESTING_DEPTH, tooDeepMessage, valueTooDeep } from '../../api/nesting-depth.js';
import { checkObjectMeta, checkStructure, typeInfoFor } from '../../api/schema/index.js';
import { prune } from '../../api/schema/custom/index.js';
import { duplicateJsonKeys } from '../duplicate-keys.js';
import { normalizeNulls } from '../normalize-nulls.js';
import { isPlainObject, mediaType, parseDocument, parseJson } from '../body.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation') ?? 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore')
    throw errors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore (got "${v}")`);
  return v;
}

/**
 * Decodes a create/update body (JSON, YAML or protobuf) into an object of the URL's resource:
 * apiVersion and kind must match, the structure must fit the schema. Unknown fields are an error
 * with Strict, come back as warnings with Warn.
 */
export async function decodeObject(
  body: Buffer,
  contentType: string | undefined,
  rt: ResourceType,
  validation: FieldValidation,
): Promise<{ obj: KubeObject; warnings: string[] }> {
  const type = mediaType(contentType);
  let doc: unknown;
  let duplicates: string[] = [];
  // Only JSON without a `null` token can skip normalizeNulls (YAML spells null several ways).
  let mayHoldNulls = true;
  if (type === 'application/json' || type === '') {
    const text = body.toString('utf8');
    // The duplicate-key scan also measures the depth (one pass over the text instead of two).
    doc = parseJson(text, validation === 'Ignore');
    if (validation !== 'Ignore') duplicates = duplicateJsonKeys(text, MAX_NESTING_DEPTH);
    mayHoldNulls = text.includes('null');
  } else if (type === 'application/yaml') {
    doc = await parseDocument(body, 'yaml');
  } else if (type === 'application/vnd.kubernetes.protobuf') {
    // The protobuf schemas load on first use: only kubectl's generators send protobuf.
    doc = (await import('../../api/protobuf/index.js')).decodeProtobufObject(body);
    if (valueTooDeep(doc)) throw errors.badRequest(`object nested too deeply: ${tooDeepMessage()}`);
  } else {
    throw errors.unsupportedMediaType(contentType ?? '');
  }
  if (duplicates.length > 0 && validation === 'Strict') {
    throw errors.badRequest(`strict decoding error: ${duplicates.map((f) => `duplicate field "${f}"`).join(', ')}`);
  }
  const result = checkObject(doc, rt, validation, mayHoldNulls);
  for (const f of duplicates) result.warnings.push(`duplicate field "${f}"`);
  return result;
}

/**
 * Checks an already-parsed document as decodeObject does. `mayHoldNulls` false (the JSON text
 * had no `null`) skips the walk that drops null fields.
 */
export function checkObject(
  doc: unknown,
  rt: ResourceType,
  validation: FieldValidation,
  mayHoldNulls = true,
): { obj: KubeObject; warnings: string[] } {
  if (!isPlainObject(doc)) throw errors.badRequest('the body must be a JSON or YAML object');
  const expected = apiVersionOf(rt.group, rt.version);
  if (doc.apiVersion === undefined && doc.kind === undefined) {
    doc.apiVersion = expected;
    doc.kind = rt.kind;
  }
  if (typeof doc.kind !== 'string' || doc.kind === '')
    throw errors.badRequest("Object 'Kind' is missing in the request body");
  if (doc.kind !== rt.kind) {
    throw errors.badRequest(
      `the kind of the object (${doc.kind}) does not match the expected kind (${rt.kind}) for ${rt.plural}`,
    );
  }
  if (doc.apiVersion !== expected) {
    throw errors.badRequest(
      `the API version in the data (${String(doc.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (doc.metadata === undefined) doc.metadata = {};
  if (!isPlainObject(doc.metadata)) throw errors.badRequest('metadata must be an object');
  const obj = doc as KubeObject;
  const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
  if (mayHoldNulls) normalizeNulls(obj, typeInfoFor(gvk));
  if (!isPlainObject(obj.metadata)) obj.metadata = {};
  // Unknown fields are dropped, as Kubernetes' typed decoding does (Strict rejects them below).
  const result = rt.custom ? checkCustom(obj, rt) : checkStructure(gvk, obj, { prune: true });
  if (result.errors.length > 0) throw errors.invalid(rt.kind, obj.metadata.name ?? '', result.errors, rt.group);
  const warnings: string[] = [];
  if (result.unknownFields.length > 0 && validation !== 'Ignore') {
    if (validation === 'Strict') {
      throw errors.badRequest(
        `strict decoding error: ${result.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`,
      );
    }
    for (const f of result.unknownFields) warnings.push(`unknown field "${f}"`);
  }
  return { obj, warnings };
}

/**
 * A custom object: metadata is ObjectMeta, the rest is pruned to the version's schema (types and
 * values are the schema validator's, after defaulting, so only metadata type errors are here).
 */
function checkCustom(obj: KubeObject, rt: ResourceType): { errors: FieldError[]; unknownFields: string[] } {
  const meta = checkObjectMeta(obj.metadata, { prune: true });
  const schema = rt.custom?.schema;
  const unknownFields = [...meta.unknownFields, ...(schema ? prune(obj, schema) : [])];
  return { errors: meta.errors, unknownFields };
}

export type { IncomingMessage };
