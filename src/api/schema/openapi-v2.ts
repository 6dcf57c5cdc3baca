/**
 * The Swagger 2.0 document (GET /openapi/v2 as JSON) for clients that want v2: every definition
 * and every path of every served group-version. Built once and cached with its serialized form.
 * (kubectl asks v2 for protobuf only, and uses v3 when the server has it.)
 */
import { createHash } from 'node:crypto';
import { allResourceTypes } from '../resource-types.js';
import type { ResourceType } from '../resource-type.js';
import { customDefinitions, toV2Schema } from './custom-openapi.js';
import { DEFINITIONS } from './definitions.js';
import type { Operation, PathSpec, QueryParam } from './openapi-operations.js';
import { groupVersionKeys, PATCH_CONTENT_TYPES, pathsOfGroupVersion } from './openapi-operations.js';
import type { SerializedDocument } from './openapi-v3.js';

const REF = '#/definitions/';

function parameter(p: QueryParam): Record<string, unknown> {
  return { name: p.name, in: 'query', description: p.description, type: p.type, uniqueItems: true };
}

function operation(op: Operation): Record<string, unknown> {
  const schema = { $ref: REF + op.response };
  const responses: Record<string, unknown> = { 200: { description: 'OK', schema } };
  if (op.created) responses[201] = { description: 'Created', schema };
  if (op.accepted) responses[202] = { description: 'Accepted', schema };
  responses[401] = { description: 'Unauthorized' };
  const params: Array<Record<string, unknown>> = [];
  if (op.body)
    params.push({ name: 'body', in: 'body', required: op.method !== 'delete', schema: { $ref: REF + op.body } });
  params.push(...op.params.map(parameter));
  return {
    description: op.description,
    consumes: op.method === 'patch' ? (op.patchTypes ?? PATCH_CONTENT_TYPES) : ['*/*'],
    produces: op.watch
      ? [
          'application/json',
          'application/yaml',
          'application/vnd.kubernetes.protobuf',
          'application/json;stream=watch',
          'application/vnd.kubernetes.protobuf;stream=watch',
        ]
      : ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    operationId: op.operationId,
    tags: [op.gvk.group === '' ? 'core_v1' : `${op.gvk.group.replace(/\..*$/, '')}_${op.gvk.version}`],
    parameters: params,
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version },
  };
}

function pathItem(spec: PathSpec): Record<string, unknown> {
  const item: Record<string, unknown> = {
    parameters: [
      ...spec.pathParams.map((name) => ({
        name,
        in: 'path',
        required: true,
        type: 'string',
        uniqueItems: true,
        description: `${name} of the ${name === 'namespace' ? 'namespace' : 'object'}`,
      })),
      {
        name: 'pretty',
        in: 'query',
        type: 'string',
        uniqueItems: true,
        description: "If 'true', then the output is pretty printed.",
      },
    ],
  };
  for (const op of spec.operations) item[op.method] = operation(op);
  return item;
}

let cache: { types: ResourceType[]; doc: Record<string, unknown>; serialized: SerializedDocument } | undefined;

function build(): { types: ResourceType[]; doc: Record<string, unknown>; serialized: SerializedDocument } {
  const types = allResourceTypes();
  const paths: Record<string, unknown> = {};
  const specs = groupVersionKeys()
    .flatMap((key) => pathsOfGroupVersion(key) ?? [])
    .sort((a, b) => a.path.localeCompare(b.path));
  for (const spec of specs) paths[spec.path] = pathItem(spec);
  const custom = Object.entries(customDefinitions()).map(([name, schema]) => [name, toV2Schema(schema)]);
  const definitions = custom.length > 0 ? { ...DEFINITIONS, ...Object.fromEntries(custom) } : DEFINITIONS;
  const doc = { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.30.0' }, paths, definitions };
  const json = JSON.stringify(doc);
  const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
  return { types, doc, serialized: { json, hash, etag: `"${hash}"` } };
}

function current(): NonNullable<typeof cache> {
  if (cache?.types !== allResourceTypes()) cache = build();
  return cache;
}

/** The whole Swagger 2.0 document (custom resources included). Shared and cached: do not mutate it. */
export function openApiV2(): Record<string, unknown> {
  return current().doc;
}

/** The Swagger 2.0 document as JSON text with hash and etag, rebuilt when custom resources change. */
export function openApiV2Json(): SerializedDocument {
  return current().serialized;
}
