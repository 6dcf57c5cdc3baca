/**
 * The OpenAPI v3 documents served under /openapi/v3: an index, and one document per group-version
 * ('api/v1', 'apis/apps/v1', ...) with its paths and the component schemas they use. Built on first
 * use and cached with their serialized JSON and a content hash, since kubectl fetches them on
 * every apply (`?hash=` URLs from the index can be served as immutable).
 */
import { createHash } from 'node:crypto';
import type { Schema } from './json-schema.js';
import { refName } from './json-schema.js';
import { allResourceTypes } from '../resource-types.js';
import type { ResourceType } from '../resource-type.js';
import { lookupDefinition } from './custom-openapi.js';
import type { Operation, PathSpec, QueryParam } from './openapi-operations.js';
import {
  patchContentTypes,
  groupVersionKeys,
  isCustomGroupVersion,
  pathsOfGroupVersion,
} from './openapi-operations.js';
import { schemaClosure } from './schema-closure.js';

const V3_REF = '#/components/schemas/';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const INFO = { title: 'Kubernetes', version: 'v1.30.0' };
const ALWAYS_INCLUDED = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
];

/** A schema in v3 form: refs to components, annotated refs wrapped in allOf (siblings of $ref are ignored in 3.0). */
export function toV3Schema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema) as Array<[keyof Schema, unknown]>) {
    if (key === '$ref') continue;
    (out as Record<string, unknown>)[key] = value;
  }
  if (schema.properties) {
    out.properties = {};
    for (const [name, prop] of Object.entries(schema.properties)) out.properties[name] = toV3Schema(prop);
  }
  if (schema.items) out.items = toV3Schema(schema.items);
  if (typeof schema.additionalProperties === 'object')
    out.additionalProperties = toV3Schema(schema.additionalProperties);
  const name = refName(schema.$ref);
  if (!name) return out;
  const ref = { $ref: V3_REF + name };
  return Object.keys(out).length === 0 ? ref : { allOf: [ref], ...out };
}

function componentSchema(name: string, schema: Schema): Schema {
  // Upstream v3 lets a Quantity be written as a string or a number.
  if (name === QUANTITY) return { description: schema.description, oneOf: [{ type: 'string' }, { type: 'number' }] };
  // Untyped, so `kubectl explain` names it <IntOrString> as it does upstream.
  if (name === INT_OR_STRING) {
    return {
      description: schema.description,
      format: 'int-or-string',
      'x-kubernetes-int-or-string': true,
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    };
  }
  return toV3Schema(schema);
}

function parameter(p: QueryParam): Record<string, unknown> {
  return { name: p.name, in: 'query', description: p.description, schema: { type: p.type, uniqueItems: true } };
}

function content(def: string, watch: boolean): Record<string, unknown> {
  const schema = { $ref: V3_REF + def };
  const types = watch
    ? [
        'application/json',
        'application/yaml',
        'application/json;stream=watch',
        'application/vnd.kubernetes.protobuf;stream=watch',
      ]
    : ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function operation(op: Operation): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    200: { description: 'OK', content: content(op.response, op.watch === true) },
  };
  if (op.created) responses[201] = { description: 'Created', content: content(op.response, false) };
  if (op.accepted) responses[202] = { description: 'Accepted', content: content(op.response, false) };
  responses[401] = { description: 'Unauthorized' };
  const out: Record<string, unknown> = {
    description: op.description,
    operationId: op.operationId,
    tags: [op.gvk.group === '' ? 'core_v1' : `${op.gvk.group.replace(/\..*$/, '')}_${op.gvk.version}`],
    parameters: op.params.map(parameter),
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version },
  };
  if (op.body) {
    const types = op.method === 'patch' ? patchContentTypes(op) : ['*/*'];
    out.requestBody = {
      content: Object.fromEntries(types.map((t) => [t, { schema: { $ref: V3_REF + op.body } }])),
      required: op.method !== 'delete',
    };
  }
  return out;
}

function pathItem(spec: PathSpec): Record<string, unknown> {
  const item: Record<string, unknown> = {
    parameters: [
      ...spec.pathParams.map((name) => ({
        name,
        in: 'path',
        required: true,
        description: `${name} of the ${name === 'namespace' ? 'namespace' : 'object'}`,
        schema: { type: 'string', uniqueItems: true },
      })),
      {
        name: 'pretty',
        in: 'query',
        description: "If 'true', then the output is pretty printed.",
        schema: { type: 'string', uniqueItems: true },
      },
    ],
  };
  for (const op of spec.operations) item[op.method] = operation(op);
  return item;
}

function buildGroupVersion(key: string): Record<string, unknown> | undefined {
  const specs = pathsOfGroupVersion(key);
  if (!specs) return undefined;
  const roots = new Set(ALWAYS_INCLUDED);
  for (const spec of specs)
    for (const op of spec.operations) {
      roots.add(op.response);
      if (op.body) roots.add(op.body);
    }
  const schemas: Record<string, Schema> = {};
  for (const name of schemaClosure(roots)) schemas[name] = componentSchema(name, lookupDefinition(name) as Schema);
  return {
    openapi: '3.0.0',
    info: INFO,
    paths: Object.fromEntries(specs.map((s) => [s.path, pathItem(s)])),
    components: { schemas },
  };
}

/** The discovery documents 'api' and 'apis' (listed in the index as upstream does). */
function buildDiscovery(key: 'api' | 'apis'): Record<string, unknown> {
  const def =
    key === 'api'
      ? 'io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions'
      : 'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList';
  const schemas: Record<string, Schema> = {};
  for (const name of schemaClosure([def])) schemas[name] = componentSchema(name, lookupDefinition(name) as Schema);
  return {
    openapi: '3.0.0',
    info: INFO,
    paths: {
      [`/${key}/`]: {
        get: {
          description: key === 'api' ? 'get available API versions' : 'get available API groups',
          operationId: key === 'api' ? 'getCoreAPIVersions' : 'getAPIVersions',
          tags: [key === 'api' ? 'core' : 'apis'],
          responses: {
            200: { description: 'OK', content: { 'application/json': { schema: { $ref: V3_REF + def } } } },
            401: { description: 'Unauthorized' },
          },
        },
      },
    },
    components: { schemas },
  };
}

export interface SerializedDocument {
  /** The document as JSON text, ready to send. */
  json: string;
  /** Upper-case hex SHA-512 of `json`; the index links `?hash=<hash>`. */
  hash: string;
  /** `"<hash>"`, for the ETag header. */
  etag: string;
}

type Documents = Map<string, { doc: Record<string, unknown>; serialized: SerializedDocument }>;

/** Documents of built-in group-versions: built once. */
let builtin: Documents | undefined;
/** All documents, for one state of the served custom resources. */
let cache: { types: ResourceType[]; docs: Documents; index?: SerializedDocument } | undefined;

function serialize(doc: Record<string, unknown>): SerializedDocument {
  const json = JSON.stringify(doc);
  const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
  return { json, hash, etag: `"${hash}"` };
}

function build(keys: string[]): Documents {
  const built: Documents = new Map();
  for (const key of keys) {
    const doc = buildGroupVersion(key);
    if (doc) built.set(key, { doc, serialized: serialize(doc) });
  }
  return built;
}

function currentCache(): NonNullable<typeof cache> {
  const types = allResourceTypes();
  if (cache?.types === types) return cache;
  if (!builtin) {
    builtin = new Map();
    for (const key of ['api', 'apis'] as const) {
      const doc = buildDiscovery(key);
      builtin.set(key, { doc, serialized: serialize(doc) });
    }
    for (const [k, v] of build(groupVersionKeys().filter((k) => !isCustomGroupVersion(k)))) builtin.set(k, v);
  }
  // Custom group-versions are rebuilt whenever the served custom resources change.
  const custom = build(groupVersionKeys().filter(isCustomGroupVersion));
  cache = { types, docs: new Map([...builtin, ...custom]) };
  return cache;
}

function documents(): Documents {
  return currentCache().docs;
}

/**
 * The `GET /openapi/v3` body: `{paths: {'api/v1': {serverRelativeURL: '/openapi/v3/api/v1?hash=...'}, ...}}`.
 * Deterministic; rebuilt when the served custom resources change.
 */
export function openApiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [key, entry] of [...documents()].sort(([a], [b]) => a.localeCompare(b))) {
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${entry.serialized.hash}` };
  }
  return { paths };
}

/** The index serialized, with its hash and etag (rebuilt when custom resources change). */
export function openApiV3IndexJson(): SerializedDocument {
  const c = currentCache();
  c.index ??= serialize(openApiV3Index());
  return c.index;
}

/**
 * The document of one group-version path ('api/v1', 'apis/apps/v1', 'api', 'apis'); undefined when
 * not served. The object is shared and cached: do not mutate it.
 */
export function openApiV3Document(path: string): Record<string, unknown> | undefined {
  return documents().get(path.replace(/^\/+|\/+$/g, ''))?.doc;
}

/** The same document as JSON text with its hash and etag (precomputed); undefined when not served. */
export function openApiV3DocumentJson(path: string): SerializedDocument | undefined {
  return documents().get(path.replace(/^\/+|\/+$/g, ''))?.serialized;
}
