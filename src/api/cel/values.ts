/**
 * JSON objects as CEL values, and their sizes for the cost estimator. JSON has one number type and
 * CEL two: with a schema, `integer` is an int (BigInt) and `number` a double; without one, whole
 * numbers are ints (built-in objects hold ints almost everywhere). As Kubernetes does, a string
 * with format date-time is a timestamp, `byte` are bytes, and the names of an object's declared
 * properties are escaped where CEL could not write them (`foo-bar` is `foo__dash__bar`).
 */
import { MAX_REQUEST_SIZE_BYTES, type SizeShape } from './cost.js';

/** The part of an OpenAPI v3 schema (JSONSchemaProps) CEL types and sizes come from. */
export interface CelSchema {
  type?: string;
  format?: string;
  properties?: Record<string, CelSchema>;
  additionalProperties?: CelSchema | boolean;
  items?: CelSchema;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** A property name as CEL rules address it (Kubernetes' escaping), or undefined when it cannot be. */
export function escapeCelName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replace(/__/g, '__underscores__')
    .replace(/\./g, '__dot__')
    .replace(/-/g, '__dash__')
    .replace(/\//g, '__slash__');
}

/** `value` (parsed JSON) as a CEL value, typed by `schema` when there is one. Pure; makes a copy. */
export function toCel(value: unknown, schema?: CelSchema): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      if (schema?.type === 'number') return value;
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'string':
      if (schema?.type === 'string' && (schema.format === 'date-time' || schema.format === 'date')) {
        const d = new Date(value);
        return Number.isNaN(d.getTime()) ? value : d;
      }
      if (schema?.type === 'string' && schema.format === 'byte') return new Uint8Array(Buffer.from(value, 'base64'));
      return value;
    case 'object': {
      if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
      const out: Record<string, unknown> = {};
      const props = schema?.properties;
      const extra = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (props && k in props) {
          const name = escapeCelName(k);
          if (name !== undefined) out[name] = toCel(v, props[k]);
        } else out[k] = toCel(v, extra);
      }
      return out;
    }
    default:
      return value;
  }
}

/** The CEL type of a scalar schema (integer, number, boolean, string by format); undefined for the rest. */
export function celScalarType(schema: CelSchema): string | undefined {
  switch (schema.type) {
    case 'integer':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'string':
      if (schema.format === 'date-time' || schema.format === 'date') return 'google.protobuf.Timestamp';
      if (schema.format === 'byte') return 'bytes';
      return 'string';
    default:
      return undefined;
  }
}

/** The CEL type of a value of `schema` ('dyn' where it varies), for declaring `self` and `oldSelf`. */
export function celTypeOfSchema(schema: CelSchema | undefined): string {
  if (!schema || schema['x-kubernetes-int-or-string'] || schema['x-kubernetes-preserve-unknown-fields']) return 'dyn';
  const scalar = celScalarType(schema);
  if (scalar) return scalar;
  if (schema.type === 'array') return `list<${celTypeOfSchema(schema.items)}>`;
  if (schema.type === 'object') {
    if (!schema.properties && typeof schema.additionalProperties === 'object') {
      return `map<string, ${celTypeOfSchema(schema.additionalProperties)}>`;
    }
    return 'map<string, dyn>';
  }
  return 'dyn';
}

/** Smallest JSON text of one value of a schema's type, plus a separator: how many fit in a request. */
function minSerializedSize(schema: CelSchema | undefined): number {
  switch (schema?.type) {
    case 'integer':
    case 'number':
      return 2; // "0,"
    case 'boolean':
      return 5; // "true,"
    case 'string':
      return 3; // "\"\","
    default:
      return 3; // "{}," or "[],"
  }
}

/** What the cost estimator knows of values of `schema` before it sees one (estimated cost). */
export function schemaShape(schema: CelSchema | undefined): SizeShape | undefined {
  if (!schema) return undefined;
  const unbounded = Math.floor(
    (MAX_REQUEST_SIZE_BYTES - 2) /
      minSerializedSize(
        schema.items ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined),
      ),
  );
  let size: number;
  switch (schema.type) {
    case 'string':
      size = schema.maxLength ?? MAX_REQUEST_SIZE_BYTES - 2;
      break;
    case 'array':
      size = schema.maxItems ?? unbounded;
      break;
    case 'object':
      size = schema.maxProperties ?? unbounded;
      break;
    default:
      size = 1;
  }
  return {
    size,
    field: (name) => {
      const prop = schema.properties?.[schemaPropertyName(name, schema)];
      if (prop) return schemaShape(prop);
      return typeof schema.additionalProperties === 'object' ? schemaShape(schema.additionalProperties) : undefined;
    },
    items: () =>
      schemaShape(
        schema.items ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined),
      ),
  };
}

function schemaPropertyName(celName: string, schema: CelSchema): string {
  if (schema.properties && celName in schema.properties) return celName;
  for (const k of Object.keys(schema.properties ?? {})) if (escapeCelName(k) === celName) return k;
  return celName;
}

const EMPTY: SizeShape = { size: 0, field: () => undefined, items: () => undefined };

/** What the cost estimator knows of an actual value (runtime cost): its real sizes. */
export function valueShape(value: unknown): SizeShape | undefined {
  if (typeof value === 'string') return { size: value.length, field: () => undefined, items: () => undefined };
  if (value instanceof Uint8Array) return { size: value.length, field: () => undefined, items: () => undefined };
  if (Array.isArray(value)) {
    let largest: SizeShape | undefined;
    return {
      size: value.length,
      field: () => undefined,
      items: () => (largest ??= largestShape(value)),
    };
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const obj = value as Record<string, unknown>;
    let largest: SizeShape | undefined;
    return {
      size: Object.keys(obj).length,
      // an absent field has nothing to iterate (reading it fails anyway)
      field: (name) => valueShape(obj[name]) ?? EMPTY,
      items: () => (largest ??= largestShape(Object.values(obj))),
    };
  }
  return undefined;
}

/** The shape that bounds every element: the largest of each size, merged field by field. */
function largestShape(values: unknown[]): SizeShape | undefined {
  const shapes = values.map(valueShape).filter((s): s is SizeShape => s !== undefined);
  if (shapes.length === 0) return undefined;
  if (shapes.length === 1) return shapes[0];
  return {
    size: Math.max(...shapes.map((s) => s.size)),
    field: (name) => largestOf(shapes.map((s) => s.field(name))),
    items: () => largestOf(shapes.map((s) => s.items())),
  };
}

function largestOf(shapes: (SizeShape | undefined)[]): SizeShape | undefined {
  const present = shapes.filter((s): s is SizeShape => s !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return {
    size: Math.max(...present.map((s) => s.size)),
    field: (name) => largestOf(present.map((s) => s.field(name))),
    items: () => largestOf(present.map((s) => s.items())),
  };
}
