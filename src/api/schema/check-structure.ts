/**
 * Structural validation of a decoded object against its kind's schema: JSON types and unknown
 * fields, as the API server's strict decoder does. Semantic validation (required values, formats,
 * ranges) belongs to each kind's strategy, not here.
 *
 * Hand-written instead of ajv because the API needs two things ajv does not give cheaply: every
 * unknown field's Kubernetes path (`spec.template.spec.containers[0].imagee`) for
 * fieldValidation=Strict/Warn, and Kubernetes' special scalars (Quantity accepts strings and
 * numbers, IntOrString integers and strings). Each definition compiles once into closures.
 */
import type { FieldError } from '../errors.js';
import { fieldErrors, shownValue } from '../errors.js';
import type { GroupVersionKind } from '../object.js';
import type { Schema } from './json-schema.js';
import { refName } from './json-schema.js';
import { DEFINITIONS, definitionNameFor } from './definitions.js';

export interface StructureResult {
  /** Type mismatches (reason FieldValueTypeInvalid), e.g. field `spec.replicas`. */
  errors: FieldError[];
  /** Paths of fields the schema does not know, e.g. `spec.replica`, in document order. */
  unknownFields: string[];
}

/** The walk's state: the result, and whether unknown fields are also removed from the object. */
interface Walk extends StructureResult {
  prune: boolean;
}

type Check = (value: unknown, path: string, out: Walk) => void;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function mismatch(out: StructureResult, path: string, value: unknown, expected: string): void {
  const shown = typeof value === 'object' && value !== null ? typeName(value) : shownValue(value);
  out.errors.push(
    fieldErrors.typeInvalid(
      path || '<root>',
      `${shown}: ${path || 'body'} in body must be of type ${expected}: "${typeName(value)}"`,
    ),
  );
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX_EXCLUSIVE = 2 ** 31;
const INT64_MIN = -(2 ** 63);
const INT64_MAX_EXCLUSIVE = 2 ** 63;

function outOfRange(out: StructureResult, path: string, value: number, bits: 32 | 64): void {
  out.errors.push(
    fieldErrors.invalid(
      path || '<root>',
      value,
      `${path || 'body'} in body must be of type int${bits}: does not fit in a ${bits}-bit integer`,
    ),
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const anything: Check = () => {};

/** Types Go decodes with custom unmarshalers; checked by definition name, not shape. */
const SCALAR_DEFS: Record<string, Check> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': (v, p, o) => {
    if (v !== null && typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v)))
      mismatch(o, p, v, 'integer or string');
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': (v, p, o) => {
    if (v !== null && typeof v !== 'string' && typeof v !== 'number') mismatch(o, p, v, 'string or number');
  },
};

const compiled = new Map<string, Check>();

/** The check of a named definition, compiled on first use (lazily, so recursive types terminate). */
function checkOfDefinition(name: string): Check {
  const existing = compiled.get(name);
  if (existing) return existing;
  let real: Check | undefined;
  const lazy: Check = (v, p, o) => (real ??= compile(DEFINITIONS[name] ?? {}))(v, p, o);
  compiled.set(name, SCALAR_DEFS[name] ?? lazy);
  return compiled.get(name) as Check;
}

function compile(schema: Schema): Check {
  const ref = refName(schema.$ref);
  if (ref) return checkOfDefinition(ref);
  if (schema.allOf?.length === 1 && schema.allOf[0]) return compile(schema.allOf[0]);
  switch (schema.type) {
    case 'string':
      return (v, p, o) => {
        if (v !== null && typeof v !== 'string') mismatch(o, p, v, 'string');
      };
    case 'boolean':
      return (v, p, o) => {
        if (v !== null && typeof v !== 'boolean') mismatch(o, p, v, 'boolean');
      };
    case 'integer': {
      // Go decodes into int32/int64 fields and refuses numbers that do not fit (replicas: 2^40);
      // the schema's format says which. Doubles above 2^63 - 1 are at least 2^63.
      const [min, max] =
        schema.format === 'int32' ? [INT32_MIN, INT32_MAX_EXCLUSIVE] : [INT64_MIN, INT64_MAX_EXCLUSIVE];
      const bits = schema.format === 'int32' ? 32 : 64;
      return (v, p, o) => {
        if (v === null) return;
        if (!(typeof v === 'number' && Number.isInteger(v))) mismatch(o, p, v, 'integer');
        else if (v < min || v >= max) outOfRange(o, p, v, bits);
      };
    }
    case 'number':
      return (v, p, o) => {
        if (v !== null && typeof v !== 'number') mismatch(o, p, v, 'number');
      };
    case 'array': {
      const item = schema.items ? compile(schema.items) : anything;
      return (v, p, o) => {
        if (v === null) return;
        if (!Array.isArray(v)) {
          mismatch(o, p, v, 'array');
          return;
        }
        for (let i = 0; i < v.length; i++) item(v[i], `${p}[${i}]`, o);
      };
    }
    case 'object':
    case undefined: {
      if (schema.properties) return compileObject(schema.properties);
      const values = schema.additionalProperties;
      if (typeof values === 'object') {
        const value = compile(values);
        return (v, p, o) => {
          if (v === null) return;
          if (!isPlainObject(v)) {
            mismatch(o, p, v, 'object');
            return;
          }
          for (const key in v) value(v[key], `${p}[${key}]`, o);
        };
      }
      // Free-form (RawExtension, FieldsV1): any JSON object; with no type at all, anything.
      if (schema.type === undefined) return anything;
      return (v, p, o) => {
        if (v !== null && !isPlainObject(v)) mismatch(o, p, v, 'object');
      };
    }
  }
}

function compileObject(properties: Record<string, Schema>): Check {
  const fields = new Map<string, Check>();
  for (const [name, prop] of Object.entries(properties)) fields.set(name, compile(prop));
  return (v, p, o) => {
    if (v === null) return;
    if (!isPlainObject(v)) {
      mismatch(o, p, v, 'object');
      return;
    }
    for (const key in v) {
      const child = p ? `${p}.${key}` : key;
      const check = fields.get(key);
      if (check) check(v[key], child, o);
      else {
        o.unknownFields.push(child);
        if (o.prune) delete v[key];
      }
    }
  };
}

/**
 * Checks `obj` (a decoded JSON/YAML body) against the schema of `gvk`. Pure and fast (each kind's
 * check is compiled once). An unknown kind has no schema: the result is empty. `null` is accepted
 * anywhere (Go decodes it as "unset"). Missing required fields are not reported. With `prune`,
 * unknown fields are removed from `obj` as they are found (Kubernetes' decoding drops them).
 */
export function checkStructure(
  gvk: GroupVersionKind,
  obj: unknown,
  options: { prune?: boolean } = {},
): StructureResult {
  const out: Walk = { errors: [], unknownFields: [], prune: options.prune === true };
  const name = definitionNameFor(gvk);
  if (name) checkOfDefinition(name)(obj, '', out);
  return { errors: out.errors, unknownFields: out.unknownFields };
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Checks (and with `prune` cleans) an object's `metadata` against ObjectMeta, as checkStructure
 * does for built-in kinds; for custom resources, whose schema leaves metadata to the API.
 * Paths start with `metadata.` (or `options.path`, for an embedded resource's metadata).
 */
export function checkObjectMeta(meta: unknown, options: { prune?: boolean; path?: string } = {}): StructureResult {
  const out: Walk = { errors: [], unknownFields: [], prune: options.prune === true };
  checkOfDefinition(OBJECT_META)(meta, options.path ?? 'metadata', out);
  return { errors: out.errors, unknownFields: out.unknownFields };
}
