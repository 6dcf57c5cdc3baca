import type { GroupVersionKind } from '../object.js';
import type { Schema } from './json-schema.js';
import { findResourceTypeByKind } from '../resource-types.js';
import type { CrdSchema } from './custom/crd-schema.js';
import { additionalSchema, itemSchema } from './custom/crd-schema.js';
import { definitionNameFor, resolve } from './definitions.js';

/**
 * A navigable view of one type's schema, with the Kubernetes patch metadata that strategic merge
 * patch and server-side apply need. Produced by the schema module from the OpenAPI definitions;
 * consumed by src/api/patch. `undefined` from `field`/`elements` means "no schema known here":
 * treat the value as atomic JSON.
 */
export interface TypeInfo {
  kind: 'object' | 'array' | 'map' | 'scalar' | 'unknown';
  /** Type of an object's field, carrying that field's own patch annotations. */
  field(name: string): TypeInfo | undefined;
  /** Element type of an array, value type of a map. */
  elements(): TypeInfo | undefined;
  /** x-kubernetes-patch-strategy of the field this type was reached through: 'merge', 'replace', 'retainKeys', 'merge,retainKeys'. */
  patchStrategy?: string;
  /** x-kubernetes-patch-merge-key, e.g. 'name' for containers, 'containerPort' for ports. */
  patchMergeKey?: string;
  /** x-kubernetes-list-type: 'atomic' | 'set' | 'map'. */
  listType?: string;
  /** x-kubernetes-list-map-keys, e.g. ['containerPort', 'protocol']. */
  listMapKeys?: string[];
  /** x-kubernetes-map-type: 'atomic' | 'granular'. */
  mapType?: string;
}

/** TypeInfo over one schema, reached through a property (or item) schema carrying the annotations. */
class SchemaTypeInfo implements TypeInfo {
  readonly kind: TypeInfo['kind'];
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly listType?: string;
  readonly listMapKeys?: string[];
  readonly mapType?: string;
  private readonly target: Schema;
  private fields?: Map<string, TypeInfo>;
  private element?: TypeInfo | null;

  constructor(via: Schema) {
    const target = resolve(via);
    this.target = target;
    this.kind = target.properties
      ? 'object'
      : target.type === 'array'
        ? 'array'
        : typeof target.additionalProperties === 'object'
          ? 'map'
          : target.type === 'object' || target.type === undefined
            ? 'unknown'
            : 'scalar';
    if (via['x-kubernetes-patch-strategy']) this.patchStrategy = via['x-kubernetes-patch-strategy'];
    if (via['x-kubernetes-patch-merge-key']) this.patchMergeKey = via['x-kubernetes-patch-merge-key'];
    if (via['x-kubernetes-list-type']) this.listType = via['x-kubernetes-list-type'];
    if (via['x-kubernetes-list-map-keys']) this.listMapKeys = via['x-kubernetes-list-map-keys'];
    const mapType = via['x-kubernetes-map-type'] ?? target['x-kubernetes-map-type'];
    if (mapType) this.mapType = mapType;
  }

  field(name: string): TypeInfo | undefined {
    // One lookup on the hot path. Unknown names are not remembered (clients choose them).
    const known = this.fields?.get(name);
    if (known !== undefined) return known;
    const props = this.target.properties;
    if (!props || !Object.hasOwn(props, name)) return undefined;
    const info = infoOf(props[name] as Schema);
    (this.fields ??= new Map()).set(name, info);
    return info;
  }

  elements(): TypeInfo | undefined {
    if (this.element === undefined) {
      const sub = this.target.type === 'array' ? this.target.items : this.target.additionalProperties;
      this.element = typeof sub === 'object' ? infoOf(sub) : null;
    }
    return this.element ?? undefined;
  }
}

const infoCache = new WeakMap<Schema, TypeInfo>();

function infoOf(schema: Schema): TypeInfo {
  let info = infoCache.get(schema);
  if (!info) infoCache.set(schema, (info = new SchemaTypeInfo(schema)));
  return info;
}

/**
 * TypeInfo over a CRD version's schema, so server-side apply merges custom objects as
 * kube-apiserver does: x-kubernetes-list-type (unset: atomic) with x-kubernetes-list-map-keys,
 * x-kubernetes-map-type (unset: granular), preserve-unknown-fields and int-or-string nodes as
 * untyped. Nodes are built on demand and memoized per schema object.
 */
const customCache = new WeakMap<CrdSchema, TypeInfo>();

class CustomTypeInfo implements TypeInfo {
  readonly kind: TypeInfo['kind'];
  readonly listType?: string;
  readonly listMapKeys?: string[];
  readonly mapType?: string;

  constructor(private readonly s: CrdSchema) {
    this.kind = s.properties
      ? 'object'
      : s.type === 'array'
        ? 'array'
        : additionalSchema(s)
          ? 'map'
          : s.type === 'object' || s.type === undefined
            ? 'unknown'
            : 'scalar';
    if (s.type === 'array') this.listType = s['x-kubernetes-list-type'] ?? 'atomic';
    if (s['x-kubernetes-list-map-keys']) this.listMapKeys = s['x-kubernetes-list-map-keys'];
    if (s['x-kubernetes-map-type']) this.mapType = s['x-kubernetes-map-type'];
  }

  field(name: string): TypeInfo | undefined {
    const props = this.s.properties;
    if (props && Object.hasOwn(props, name)) return customTypeInfo(props[name] as CrdSchema);
    if (name === 'metadata' || name === 'apiVersion' || name === 'kind') return undefined;
    const add = additionalSchema(this.s);
    return add ? customTypeInfo(add) : undefined;
  }

  elements(): TypeInfo | undefined {
    const sub = this.s.type === 'array' ? itemSchema(this.s) : additionalSchema(this.s);
    return sub ? customTypeInfo(sub) : undefined;
  }
}

/** The TypeInfo of a schema node (memoized). */
function customTypeInfo(s: CrdSchema): TypeInfo {
  let info = customCache.get(s);
  if (!info) customCache.set(s, (info = new CustomTypeInfo(s)));
  return info;
}

const kindCache = new Map<string, TypeInfo>();

/**
 * The navigable schema of a served kind (or its List), e.g. {group:'apps',version:'v1',kind:'Deployment'}.
 * Custom resources get their CRD version's schema. Undefined when the kind has no schema (treat the
 * object as atomic JSON). Cached: cheap to call per request.
 */
export function typeInfoFor(gvk: GroupVersionKind): TypeInfo | undefined {
  const name = definitionNameFor(gvk);
  if (!name) {
    // A custom resource: its CRD version's schema (x-kubernetes-list-type and friends).
    const schema = findResourceTypeByKind(gvk.group, gvk.version, gvk.kind)?.custom?.schema;
    return schema ? customTypeInfo(schema) : undefined;
  }
  let info = kindCache.get(name);
  if (!info) kindCache.set(name, (info = new SchemaTypeInfo({ $ref: `#/definitions/${name}` })));
  return info;
}
