/**
 * CEL object types from an OpenAPI schema, so rules are type-checked as Kubernetes checks them
 * when a CRD is written (`self.replicas + "a"` and `self.nmae` are compile errors): every object
 * with properties becomes a type with those fields (names escaped), lists and maps carry their
 * element types, int-or-string and schemaless values are `dyn`. Values are converted into
 * instances of those types (an absent field is still `no such key`, `has()` works, `==` compares
 * deeply).
 */
import type { Environment } from '@marcbachmann/cel-js';
import { type CelSchema, celScalarType, escapeCelName } from './values.js';

interface ObjectType {
  name: string;
  ctor: new () => object;
  fields: Record<string, string>;
}

/** The types of one schema: declare them in an environment, convert values of the schema. */
export interface SchemaTypes {
  /** Unique per instance: part of the compiled environments' cache key. */
  readonly key: string;
  /** The CEL type of a value of the root schema. */
  readonly rootType: string;
  register(env: Environment): void;
  /** A JSON value of the root schema as a CEL value of `rootType`. */
  convert(value: unknown): unknown;
}

let nextKey = 0;

function bigintText(_k: string, v: unknown): unknown {
  return typeof v === 'bigint'
    ? `${v}n`
    : v instanceof Date
      ? v.toISOString()
      : v instanceof Uint8Array
        ? Buffer.from(v).toString('base64')
        : v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, bigintText) === JSON.stringify(b, bigintText);
}

/** Builds the types of `schema`, naming them after `rootName` and their paths. Pure. */
export function schemaTypes(schema: CelSchema | undefined, rootName = 'Object'): SchemaTypes {
  const objects: ObjectType[] = [];
  const ctorOf = new Map<CelSchema, new () => object>();

  const typeOf = (s: CelSchema | undefined, name: string): string => {
    if (!s || s['x-kubernetes-int-or-string']) return 'dyn';
    const scalar = celScalarType(s);
    if (scalar) return scalar;
    switch (s.type) {
      case 'array':
        return `list<${typeOf(s.items, `${name}.items`)}>`;
      case 'object': {
        if (s.properties && Object.keys(s.properties).length > 0) {
          const fields: Record<string, string> = {};
          for (const [k, v] of Object.entries(s.properties)) {
            const f = escapeCelName(k);
            if (f !== undefined) fields[f] = typeOf(v, `${name}.${f}`);
          }
          if (s['x-kubernetes-embedded-resource']) {
            fields.apiVersion ??= 'string';
            fields.kind ??= 'string';
            fields.metadata ??= 'dyn';
          }
          const ctor = class {};
          Object.defineProperty(ctor, 'name', { value: name });
          objects.push({ name, ctor, fields });
          ctorOf.set(s, ctor);
          return name;
        }
        if (typeof s.additionalProperties === 'object')
          return `map<string, ${typeOf(s.additionalProperties, `${name}.value`)}>`;
        return s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-embedded-resource']
          ? 'dyn'
          : 'map<string, dyn>';
      }
      default:
        return 'dyn';
    }
  };
  const rootType = typeOf(schema, rootName);

  const convert = (value: unknown, s: CelSchema | undefined): unknown => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number') return s?.type === 'number' || !Number.isInteger(value) ? value : BigInt(value);
    if (typeof value === 'string') {
      if (s?.type === 'string' && (s.format === 'date-time' || s.format === 'date')) {
        const d = new Date(value);
        return Number.isNaN(d.getTime()) ? value : d;
      }
      if (s?.type === 'string' && s.format === 'byte') return new Uint8Array(Buffer.from(value, 'base64'));
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => convert(v, s?.items));
    if (typeof value === 'object') {
      const ctor = s ? ctorOf.get(s) : undefined;
      const extra = typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined;
      const out: Record<string, unknown> = ctor ? (new ctor() as Record<string, unknown>) : {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const prop = s?.properties?.[k];
        if (prop) {
          const f = escapeCelName(k);
          if (f !== undefined) out[f] = convert(v, prop);
        } else if (!ctor) out[k] = convert(v, extra);
        else if (s?.['x-kubernetes-embedded-resource'] && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) {
          out[k] = convert(v, undefined);
        }
      }
      return out;
    }
    return value;
  };

  return {
    key: `schema-types-${nextKey++}`,
    rootType,
    register(env) {
      // inner types were pushed first: a type's fields may name them
      for (const o of objects) env.registerType(o.name, { ctor: o.ctor, fields: o.fields });
      for (const o of objects) env.registerOperator(`${o.name} == ${o.name}`, deepEqual);
    },
    convert: (value) => convert(value, schema),
  };
}
