/**
 * GET /openapi/v2 (and /swagger-2.0.0.pb-v1) as protobuf: the Swagger 2.0 document of
 * openapi-v2.ts encoded as gnostic's `openapi.v2.Document`. kubectl up to 1.27 reads this for
 * apply validation, strategic-merge-patch metadata and explain (client-go only ever asks v2 as
 * protobuf). Vendor extensions (`x-kubernetes-patch-merge-key`, `x-kubernetes-group-version-kind`,
 * ...) travel as NamedAny whose Any.yaml holds the value; kube-openapi yaml-unmarshals it, so the
 * value's JSON text (valid YAML flow style) is used. Encoded once and cached with hash and ETag.
 */
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import { GOOGLE_PROTOBUF_ANY_PROTO, OPENAPI_V2_PROTO } from './openapi-v2-proto-text.js';
import { openApiV2 } from './openapi-v2.js';
export {
  OPENAPI_V2_PROTOBUF_ACCEPT,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
  negotiateOpenApiV2,
} from './openapi-v2-negotiation.js';

export interface SerializedProtobufDocument {
  /** The encoded openapi.v2.Document. */
  bytes: Buffer;
  /** Upper-case hex SHA-512 of `bytes`. */
  hash: string;
  /** `"<hash>"`, for the ETag header. */
  etag: string;
}

type Json = Record<string, unknown>;
type Msg = Record<string, unknown>;

let root: protobuf.Root | undefined;

/** The protobufjs Root with openapi.v2 and google.protobuf.Any (snake_case field names kept). */
export function openApiV2ProtoRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    protobuf.parse(GOOGLE_PROTOBUF_ANY_PROTO, r, { keepCase: true });
    protobuf.parse(OPENAPI_V2_PROTO, r, { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

/** The `openapi.v2.Document` message type. */
export function openApiV2DocumentType(): protobuf.Type {
  return openApiV2ProtoRoot().lookupType('openapi.v2.Document');
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function strs(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** Drops undefined members so the encoder sees only what is set. */
function msg(fields: Record<string, unknown>): Msg {
  const out: Msg = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** An openapi.v2.Any carrying a JSON value as YAML (JSON text is YAML flow style). */
function anyOf(v: unknown): Msg | undefined {
  return v === undefined ? undefined : { yaml: `${JSON.stringify(v)}\n` };
}

function vendorExtensions(o: Json): Msg[] | undefined {
  const out: Msg[] = [];
  for (const [k, v] of Object.entries(o))
    if (k.startsWith('x-') && v !== undefined) out.push({ name: k, value: anyOf(v) });
  return out.length > 0 ? out : undefined;
}

function externalDocs(v: unknown): Msg | undefined {
  return isObject(v)
    ? msg({ description: str(v.description), url: str(v.url), vendor_extension: vendorExtensions(v) })
    : undefined;
}

function schema(s: Json): Msg {
  const type = typeof s.type === 'string' ? [s.type] : strs(s.type);
  let items: Msg | undefined;
  if (Array.isArray(s.items)) items = { schema: s.items.filter(isObject).map(schema) };
  else if (isObject(s.items)) items = { schema: [schema(s.items)] };
  let additional: Msg | undefined;
  if (typeof s.additionalProperties === 'boolean') additional = { boolean: s.additionalProperties };
  else if (isObject(s.additionalProperties)) additional = { schema: schema(s.additionalProperties) };
  return msg({
    _ref: str(s.$ref),
    format: str(s.format),
    title: str(s.title),
    description: str(s.description),
    default: anyOf(s.default),
    multiple_of: num(s.multipleOf),
    maximum: num(s.maximum),
    exclusive_maximum: bool(s.exclusiveMaximum),
    minimum: num(s.minimum),
    exclusive_minimum: bool(s.exclusiveMinimum),
    max_length: num(s.maxLength),
    min_length: num(s.minLength),
    pattern: str(s.pattern),
    max_items: num(s.maxItems),
    min_items: num(s.minItems),
    unique_items: bool(s.uniqueItems),
    max_properties: num(s.maxProperties),
    min_properties: num(s.minProperties),
    required: strs(s.required),
    enum: Array.isArray(s.enum) ? s.enum.map(anyOf) : undefined,
    additional_properties: additional,
    type: type ? { value: type } : undefined,
    items,
    all_of: Array.isArray(s.allOf) ? s.allOf.filter(isObject).map(schema) : undefined,
    // Present even when empty: kube-openapi tells a struct (properties) from a map by presence.
    properties: isObject(s.properties)
      ? {
          additional_properties: Object.entries(s.properties)
            .filter((e): e is [string, Json] => isObject(e[1]))
            .map(([name, v]) => ({ name, value: schema(v) })),
        }
      : undefined,
    discriminator: str(s.discriminator),
    read_only: bool(s.readOnly),
    external_docs: externalDocs(s.externalDocs),
    example: anyOf(s.example),
    vendor_extension: vendorExtensions(s),
  });
}

function primitivesItems(p: Json): Msg {
  return msg({
    type: str(p.type),
    format: str(p.format),
    items: isObject(p.items) ? primitivesItems(p.items) : undefined,
    collection_format: str(p.collectionFormat),
    default: anyOf(p.default),
    maximum: num(p.maximum),
    exclusive_maximum: bool(p.exclusiveMaximum),
    minimum: num(p.minimum),
    exclusive_minimum: bool(p.exclusiveMinimum),
    max_length: num(p.maxLength),
    min_length: num(p.minLength),
    pattern: str(p.pattern),
    max_items: num(p.maxItems),
    min_items: num(p.minItems),
    unique_items: bool(p.uniqueItems),
    enum: Array.isArray(p.enum) ? p.enum.map(anyOf) : undefined,
    multiple_of: num(p.multipleOf),
    vendor_extension: vendorExtensions(p),
  });
}

/** The members shared by the header, formData, query and path parameter sub-schemas. */
function nonBodyFields(p: Json): Msg {
  return msg({
    ...primitivesItems(p),
    required: bool(p.required),
    in: str(p.in),
    description: str(p.description),
    name: str(p.name),
  });
}

function parametersItem(p: Json): Msg {
  if (typeof p.$ref === 'string') return { json_reference: msg({ _ref: p.$ref, description: str(p.description) }) };
  if (p.in === 'body') {
    return {
      parameter: {
        body_parameter: msg({
          description: str(p.description),
          name: str(p.name),
          in: 'body',
          required: bool(p.required),
          schema: isObject(p.schema) ? schema(p.schema) : undefined,
          vendor_extension: vendorExtensions(p),
        }),
      },
    };
  }
  const fields = nonBodyFields(p);
  let nonBody: Msg;
  switch (p.in) {
    case 'header':
      nonBody = { header_parameter_sub_schema: fields };
      break;
    case 'formData':
      nonBody = { form_data_parameter_sub_schema: msg({ ...fields, allow_empty_value: bool(p.allowEmptyValue) }) };
      break;
    case 'path':
      nonBody = { path_parameter_sub_schema: fields };
      break;
    default:
      nonBody = { query_parameter_sub_schema: msg({ ...fields, allow_empty_value: bool(p.allowEmptyValue) }) };
      break;
  }
  return { parameter: { non_body_parameter: nonBody } };
}

function parameters(v: unknown): Msg[] | undefined {
  return Array.isArray(v) ? v.filter(isObject).map(parametersItem) : undefined;
}

function responseValue(r: Json): Msg {
  if (typeof r.$ref === 'string') return { json_reference: msg({ _ref: r.$ref, description: str(r.description) }) };
  return {
    response: msg({
      description: str(r.description),
      schema: isObject(r.schema) ? { schema: schema(r.schema) } : undefined,
      vendor_extension: vendorExtensions(r),
    }),
  };
}

function operation(o: Json): Msg {
  const responses = isObject(o.responses)
    ? msg({
        response_code: Object.entries(o.responses)
          .filter((e): e is [string, Json] => !e[0].startsWith('x-') && isObject(e[1]))
          .map(([name, r]) => ({ name, value: responseValue(r) })),
        vendor_extension: vendorExtensions(o.responses),
      })
    : undefined;
  return msg({
    tags: strs(o.tags),
    summary: str(o.summary),
    description: str(o.description),
    external_docs: externalDocs(o.externalDocs),
    operation_id: str(o.operationId),
    produces: strs(o.produces),
    consumes: strs(o.consumes),
    parameters: parameters(o.parameters),
    responses,
    schemes: strs(o.schemes),
    deprecated: bool(o.deprecated),
    vendor_extension: vendorExtensions(o),
  });
}

function pathItem(item: Json): Msg {
  const out: Msg = msg({
    _ref: str(item.$ref),
    parameters: parameters(item.parameters),
    vendor_extension: vendorExtensions(item),
  });
  for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const) {
    const op = item[method];
    if (isObject(op)) out[method] = operation(op);
  }
  return out;
}

/** A Swagger 2.0 JSON document as a plain object shaped like openapi.v2.Document (snake_case). */
export function swaggerToProtoObject(doc: Json): Msg {
  const info = isObject(doc.info) ? doc.info : {};
  return msg({
    swagger: str(doc.swagger),
    info: msg({
      title: str(info.title),
      version: str(info.version),
      description: str(info.description),
      terms_of_service: str(info.termsOfService),
      vendor_extension: vendorExtensions(info),
    }),
    host: str(doc.host),
    base_path: str(doc.basePath),
    schemes: strs(doc.schemes),
    consumes: strs(doc.consumes),
    produces: strs(doc.produces),
    paths: isObject(doc.paths)
      ? msg({
          vendor_extension: vendorExtensions(doc.paths),
          path: Object.entries(doc.paths)
            .filter((e): e is [string, Json] => !e[0].startsWith('x-') && isObject(e[1]))
            .map(([name, v]) => ({ name, value: pathItem(v) })),
        })
      : undefined,
    definitions: isObject(doc.definitions)
      ? {
          additional_properties: Object.entries(doc.definitions)
            .filter((e): e is [string, Json] => isObject(e[1]))
            .map(([name, v]) => ({ name, value: schema(v) })),
        }
      : undefined,
    external_docs: externalDocs(doc.externalDocs),
    vendor_extension: vendorExtensions(doc),
  });
}

let cache: { doc: Json; encoded: SerializedProtobufDocument } | undefined;

/** The served Swagger 2.0 document as protobuf bytes with hash and ETag, encoded once per document. */
export function openApiV2Protobuf(): SerializedProtobufDocument {
  const doc = openApiV2();
  if (cache?.doc !== doc) {
    const bytes = Buffer.from(openApiV2DocumentType().encode(swaggerToProtoObject(doc)).finish());
    const hash = createHash('sha512').update(bytes).digest('hex').toUpperCase();
    cache = { doc, encoded: { bytes, hash, etag: `"${hash}"` } };
  }
  return cache.encoded;
}
