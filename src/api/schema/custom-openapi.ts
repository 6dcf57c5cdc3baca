/**
 * OpenAPI definitions of the custom resources CRDs serve, named as kube-apiserver names them
 * (group reversed: `com.example.stable.v1.CronTab`, `...CronTabList`), in the Swagger 2.0 form
 * the built-in definitions use (refs `#/definitions/...`), so openapi-v3.ts and openapi-v2.ts
 * render both alike. Rebuilt when the set of served resources changes (allResourceTypes() returns
 * a new array on every change), so `kubectl explain` and kubectl's validation see new CRDs.
 */
import { allResourceTypes } from '../resource-types.js';
import type { ResourceType } from '../resource-type.js';
import type { CrdSchema } from './custom/crd-schema.js';
import type { Definitions, Schema } from './json-schema.js';
import { DEFINITIONS } from './definitions.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DOC =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** `stable.example.com`, `v1`, `CronTab` -> `com.example.stable.v1.CronTab`. */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The published schema of one custom kind: the CRD's schema with the API's own fields filled in. */
function kindDefinition(rt: ResourceType, schema: CrdSchema | undefined): Schema {
  const out = clone((schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Schema & CrdSchema);
  out.type = 'object';
  const props = (out.properties ??= {}) as Record<string, Schema>;
  props.apiVersion = { description: API_VERSION_DOC, type: 'string' };
  props.kind = { description: KIND_DOC, type: 'string' };
  props.metadata = { description: METADATA_DOC, $ref: `#/definitions/${META}ObjectMeta` };
  out['x-kubernetes-group-version-kind'] = [{ group: rt.group, kind: rt.kind, version: rt.version }];
  return out;
}

function listDefinition(rt: ResourceType, kindName: string): Schema {
  return {
    description: `${rt.listKind} is a list of ${rt.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      items: {
        description: `List of ${rt.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        type: 'array',
        items: { $ref: `#/definitions/${kindName}` },
      },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: { description: LIST_METADATA_DOC, $ref: `#/definitions/${META}ListMeta` },
    },
    'x-kubernetes-group-version-kind': [{ group: rt.group, kind: rt.listKind, version: rt.version }],
  };
}

let cached: { types: ResourceType[]; defs: Definitions } | undefined;

/** Definitions of every served custom resource (kind and list), by name. Rebuilt on change. */
export function customDefinitions(): Readonly<Definitions> {
  const types = allResourceTypes();
  if (cached?.types === types) return cached.defs;
  const defs: Definitions = {};
  for (const rt of types) {
    if (!rt.custom) continue;
    const name = customDefinitionName(rt.group, rt.version, rt.kind);
    defs[name] = kindDefinition(rt, rt.custom.schema);
    defs[customDefinitionName(rt.group, rt.version, rt.listKind)] = listDefinition(rt, name);
  }
  cached = { types, defs };
  return defs;
}

/** A definition by name: built-in first, then custom resources. */
export function lookupDefinition(name: string): Schema | undefined {
  return DEFINITIONS[name] ?? customDefinitions()[name];
}

/**
 * A custom schema in Swagger 2.0 terms, as kube-apiserver publishes /openapi/v2: no nullable,
 * no anyOf/oneOf/not, and int-or-string without a type.
 */
export function toV2Schema(s: Schema): Schema {
  const out = { ...(s as Schema & CrdSchema) } as Record<string, unknown>;
  delete out.nullable;
  delete out.anyOf;
  delete out.oneOf;
  delete out.not;
  delete out['x-kubernetes-validations'];
  if (s.properties)
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toV2Schema(v)]));
  if (s.items && !Array.isArray(s.items)) out.items = toV2Schema(s.items);
  if (typeof s.additionalProperties === 'object') out.additionalProperties = toV2Schema(s.additionalProperties);
  if (Array.isArray(s.allOf)) out.allOf = s.allOf.map(toV2Schema);
  return out as Schema;
}
