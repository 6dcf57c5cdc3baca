/**
 * Validation of a custom object against its CRD version's schema, with kube-apiserver's field
 * paths, reasons and messages (kube-openapi's validator as apiextensions-apiserver reports it):
 *
 *   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
 *   spec.mode: Unsupported value: "x": supported values: "a", "b"
 *   spec.name: Required value
 *
 * Hand-written instead of ajv: ajv's messages and paths are not Kubernetes' (kubectl users and
 * tests match on these texts), and Kubernetes' semantics differ (nullable, int-or-string,
 * embedded resources, list-type set/map uniqueness, integer-valued numbers). Each schema node
 * compiles once (regexes, rule closures); `validate` is then a plain walk. The walk carries the
 * correlated old value so `x-kubernetes-validations` transition rules get `oldSelf` (rules.ts),
 * and values an update leaves unchanged are not checked again (ratcheting).
 */
import type { FieldError } from '../../errors.js';
import { fieldErrors, shownValue } from '../../errors.js';
import type { CrdSchema } from './crd-schema.js';
import { additionalSchema, isPlainObject, itemSchema } from './crd-schema.js';
import { validateAnnotations, validateLabels } from '../../validation/labels.js';
import { FORMATS } from './formats.js';
import type { NodeRules, SchemaRuleEngine } from './rules.js';

interface Node {
  s: CrdSchema;
  types: string[] | undefined;
  pattern?: RegExp;
  format?: (v: string) => boolean;
  properties?: Map<string, Node>;
  additional?: Node;
  items?: Node;
  allOf?: Node[];
  anyOf?: Node[];
  oneOf?: Node[];
  not?: Node;
  rules?: NodeRules;
  /** Metadata of the root or an embedded resource: apiVersion/kind/metadata are the API's own. */
  resourceRoot: boolean;
}

/** A compiled validator of one schema. */
export interface SchemaValidator {
  /** Field errors of `obj` (already defaulted and pruned); `old` is the stored object on update. */
  validate(obj: unknown, old?: unknown): FieldError[];
  /** Errors of a value at `path` against the schema (used for CRD defaults). */
  validateValue(value: unknown, path: string): FieldError[];
}

function compileRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

function compileNode(s: CrdSchema, engine: SchemaRuleEngine | undefined, resourceRoot: boolean): Node {
  const node: Node = {
    s,
    types: s['x-kubernetes-int-or-string'] ? ['integer', 'string'] : s.type ? [s.type] : undefined,
    resourceRoot,
  };
  if (s.pattern !== undefined) node.pattern = compileRegex(s.pattern);
  if (s.format && s.type === 'string') node.format = FORMATS[s.format];
  if (s.properties) {
    node.properties = new Map();
    for (const [k, v] of Object.entries(s.properties)) node.properties.set(k, compileNode(v, engine, false));
  }
  const add = additionalSchema(s);
  if (add) node.additional = compileNode(add, engine, false);
  const items = itemSchema(s);
  if (items) node.items = compileNode(items, engine, items['x-kubernetes-embedded-resource'] === true);
  if (s.allOf?.length) node.allOf = s.allOf.map((x) => compileNode(x, engine, false));
  if (s.anyOf?.length) node.anyOf = s.anyOf.map((x) => compileNode(x, engine, false));
  if (s.oneOf?.length) node.oneOf = s.oneOf.map((x) => compileNode(x, engine, false));
  if (s.not) node.not = compileNode(s.not, engine, false);
  if (engine && s['x-kubernetes-validations']?.length) node.rules = engine.compile(s);
  if (node.properties) {
    for (const [k, child] of node.properties)
      if (child.s['x-kubernetes-embedded-resource']) node.properties.set(k, { ...child, resourceRoot: true });
  }
  return node;
}

/** JSON type of a decoded value as kube-openapi names it. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function typeOk(types: string[], actual: string): boolean {
  if (types.includes(actual)) return true;
  return actual === 'integer' && types.includes('number');
}

const join = (p: string, k: string) => (p ? `${p}.${k}` : k);
/** kube-openapi's `<path> in body`; a value validated on its own (a CRD default) has no path. */
const where = (p: string) => (p ? `${p} in body` : 'in body');
const goNumber = (n: number) => String(n);

/** kube-openapi's messages for allOf/anyOf/oneOf/not are not field errors: the field is `<nil>`. */
function junctorError(message: string): FieldError {
  return { field: '<nil>', reason: 'FieldValueInvalid', message: `Invalid value: "": ${message}` };
}

/** Go's %#v of the key map kube prints for a duplicate list-map entry. */
function goKeyMap(keys: Record<string, unknown>): string {
  const parts = Object.entries(keys).map(([k, v]) => `"${k}":${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return `map[string]interface {}{${parts.join(', ')}}`;
}

class Walker {
  constructor(readonly errs: FieldError[]) {}

  /** Validates `v` at `path`; `old` is the correlated old value (undefined if none). */
  node(n: Node, v: unknown, old: unknown, path: string): void {
    // Ratcheting (kube-apiserver's CRDValidationRatcheting, on by default since 1.30): a value
    // an update leaves as it was is not checked again, so a stricter schema does not block
    // unrelated changes to objects stored before it.
    if (old !== undefined && jsonEqual(v, old)) return;
    const s = n.s;
    if (v === null || v === undefined) {
      if (s.nullable || !n.types) return;
      this.errs.push(
        fieldErrors.typeInvalid(path, `"null": ${where(path)} must be of type ${n.types.join(',')}: "null"`),
      );
      return;
    }
    const actual = jsonType(v);
    if (n.types && !typeOk(n.types, actual)) {
      this.errs.push(
        fieldErrors.typeInvalid(path, `"${actual}": ${where(path)} must be of type ${n.types.join(',')}: "${actual}"`),
      );
    } else if (typeof v === 'string') this.string(n, v, path);
    else if (typeof v === 'number') this.number(s, v, path);
    else if (Array.isArray(v)) this.array(n, v, old, path);
    else if (isPlainObject(v)) this.object(n, v, old, path);
    if (s.enum && !s.enum.some((e) => jsonEqual(e, v))) {
      this.errs.push(
        fieldErrors.notSupported(
          path,
          v,
          s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
        ),
      );
    }
    this.junctors(n, v, old, path);
    if (n.rules) this.errs.push(...n.rules(v, old, path));
  }

  private string(n: Node, v: string, path: string): void {
    const s = n.s;
    const length = s.maxLength !== undefined || s.minLength !== undefined ? [...v].length : 0;
    if (s.maxLength !== undefined && length > s.maxLength)
      this.errs.push({
        field: path,
        reason: 'FieldValueTooLong',
        message: `Too long: may not be more than ${s.maxLength} bytes`,
      });
    if (s.minLength !== undefined && length < s.minLength)
      this.errs.push(fieldErrors.invalid(path, v, `${where(path)} should be at least ${s.minLength} chars long`));
    if (n.pattern && !n.pattern.test(v))
      this.errs.push(fieldErrors.invalid(path, v, `${where(path)} should match '${s.pattern}'`));
    if (n.format && !n.format(v))
      this.errs.push(
        fieldErrors.typeInvalid(
          path,
          `${shownValue(v)}: ${where(path)} must be of type ${s.format}: ${JSON.stringify(v)}`,
        ),
      );
  }

  private number(s: CrdSchema, v: number, path: string): void {
    if (s.multipleOf !== undefined && s.multipleOf > 0) {
      const q = v / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9)
        this.errs.push(
          fieldErrors.invalid(path, v, `${where(path)} should be a multiple of ${goNumber(s.multipleOf)}`),
        );
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum))
      this.errs.push(
        fieldErrors.invalid(
          path,
          v,
          `${where(path)} should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${goNumber(s.maximum)}`,
        ),
      );
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum))
      this.errs.push(
        fieldErrors.invalid(
          path,
          v,
          `${where(path)} should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${goNumber(s.minimum)}`,
        ),
      );
  }

  private array(n: Node, v: unknown[], old: unknown, path: string): void {
    const s = n.s;
    if (s.minItems !== undefined && v.length < s.minItems)
      this.errs.push(fieldErrors.invalid(path, v.length, `${where(path)} should have at least ${s.minItems} items`));
    if (s.maxItems !== undefined && v.length > s.maxItems)
      this.errs.push({
        field: path,
        reason: 'FieldValueTooMany',
        message: `Too many: ${v.length}: must have at most ${s.maxItems} items`,
      });
    if (s.uniqueItems) {
      for (let i = 1; i < v.length; i++)
        if (v.slice(0, i).some((x) => jsonEqual(x, v[i]))) {
          this.errs.push(fieldErrors.invalid(path, '', `${where(path)} shouldn't contain duplicates`));
          break;
        }
    }
    const listType = s['x-kubernetes-list-type'];
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    if (listType === 'set') this.set(v, path);
    if (listType === 'map') this.listMap(n, v, keys, path);
    if (!n.items) return;
    const oldByKey = listType === 'map' && Array.isArray(old) ? indexByKeys(old, keys, n.items.s) : undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const oldItem = oldByKey && isPlainObject(item) ? oldByKey.get(keyOf(item, keys, n.items.s)) : undefined;
      this.node(n.items, item, oldItem, `${path}[${i}]`);
      if (n.items.resourceRoot) this.embedded(item, `${path}[${i}]`);
    }
  }

  private set(v: unknown[], path: string): void {
    for (let i = 1; i < v.length; i++) {
      if (v.slice(0, i).some((x) => jsonEqual(x, v[i]))) this.errs.push(fieldErrors.duplicate(`${path}[${i}]`, v[i]));
    }
  }

  private listMap(n: Node, v: unknown[], keys: string[], path: string): void {
    const seen = new Set<string>();
    const itemSchemaNode = n.items?.s;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      if (!isPlainObject(item)) continue;
      const keyValues: Record<string, unknown> = {};
      for (const k of keys) {
        const value = item[k] ?? itemSchemaNode?.properties?.[k]?.default;
        if (value !== undefined) keyValues[k] = value;
      }
      const id = JSON.stringify(keys.map((k) => keyValues[k] ?? null));
      if (seen.has(id))
        this.errs.push({
          field: `${path}[${i}]`,
          reason: 'FieldValueDuplicate',
          message: `Duplicate value: ${goKeyMap(keyValues)}`,
        });
      seen.add(id);
    }
  }

  private object(n: Node, v: Record<string, unknown>, old: unknown, path: string): void {
    const s = n.s;
    const count = Object.keys(v).length;
    if (s.maxProperties !== undefined && count > s.maxProperties)
      this.errs.push({
        field: path,
        reason: 'FieldValueTooMany',
        message: `Too many: ${count}: must have at most ${s.maxProperties} items`,
      });
    if (s.minProperties !== undefined && count < s.minProperties)
      this.errs.push(
        fieldErrors.invalid(path, count, `${where(path)} should have at least ${s.minProperties} properties`),
      );
    for (const r of s.required ?? []) if (!(r in v)) this.errs.push(fieldErrors.required(join(path, r)));
    const oldObj = isPlainObject(old) ? old : undefined;
    for (const [k, value] of Object.entries(v)) {
      if (n.resourceRoot && (k === 'apiVersion' || k === 'kind' || k === 'metadata') && !n.properties?.has(k)) continue;
      const child = n.properties?.get(k) ?? n.additional;
      if (!child) {
        if (s.additionalProperties === false && !n.properties?.has(k))
          this.errs.push(fieldErrors.forbidden(join(path, k), `${where(join(path, k))} is a forbidden property`));
        continue;
      }
      const childPath = join(path, k);
      this.node(child, value, oldObj?.[k], childPath);
      if (child.resourceRoot && n.properties?.has(k)) this.embedded(value, childPath);
    }
  }

  /** x-kubernetes-embedded-resource: apiVersion and kind required, metadata an ObjectMeta, as kube's validateEmbeddedResource. */
  private embedded(v: unknown, path: string): void {
    if (!isPlainObject(v)) return;
    for (const k of ['apiVersion', 'kind']) {
      if (!(k in v)) this.errs.push(fieldErrors.required(join(path, k), 'must not be empty'));
      else if (typeof v[k] !== 'string') this.errs.push(fieldErrors.invalid(join(path, k), v[k], 'must be a string'));
      else if (v[k] === '') this.errs.push(fieldErrors.invalid(join(path, k), '', 'must not be empty'));
    }
    if (v.metadata === undefined) return;
    const metaPath = join(path, 'metadata');
    if (!isPlainObject(v.metadata)) {
      this.errs.push(fieldErrors.invalid(metaPath, v.metadata, 'must be an object'));
      return;
    }
    // ObjectMeta rules, with the name optional (a template) and a path segment name.
    const { name, labels, annotations } = v.metadata;
    if (typeof name === 'string' && name !== '') {
      if (name === '.' || name === '..')
        this.errs.push(fieldErrors.invalid(join(metaPath, 'name'), name, `may not be '${name}'`));
      for (const c of ['/', '%'])
        if (name.includes(c))
          this.errs.push(fieldErrors.invalid(join(metaPath, 'name'), name, `may not contain '${c}'`));
    }
    if (isPlainObject(labels))
      this.errs.push(...validateLabels(labels as Record<string, string>, join(metaPath, 'labels')));
    if (isPlainObject(annotations))
      this.errs.push(...validateAnnotations(annotations as Record<string, string>, join(metaPath, 'annotations')));
  }

  private junctors(n: Node, v: unknown, old: unknown, path: string): void {
    const quoted = JSON.stringify(path);
    if (n.allOf) {
      let failed = false;
      for (const sub of n.allOf) failed = this.sub(sub, v, old, path, true) || failed;
      if (failed) this.errs.push(junctorError(`${quoted} must validate all the schemas (allOf)`));
    }
    if (n.anyOf) {
      let best: FieldError[] | undefined;
      let ok = false;
      for (const sub of n.anyOf) {
        const errs = this.trial(sub, v, old, path);
        if (errs.length === 0) {
          ok = true;
          break;
        }
        if (!best || errs.length < best.length) best = errs;
      }
      if (!ok) {
        this.errs.push(junctorError(`${quoted} must validate at least one schema (anyOf)`));
        this.errs.push(...(best ?? []));
      }
    }
    if (n.oneOf) {
      let valid = 0;
      let best: FieldError[] | undefined;
      for (const sub of n.oneOf) {
        const errs = this.trial(sub, v, old, path);
        if (errs.length === 0) valid++;
        else if (!best || errs.length < best.length) best = errs;
      }
      if (valid === 0) {
        this.errs.push(junctorError(`${quoted} must validate one and only one schema (oneOf). Found none valid`));
        this.errs.push(...(best ?? []));
      } else if (valid > 1)
        this.errs.push(
          junctorError(`${quoted} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`),
        );
    }
    if (n.not && this.trial(n.not, v, old, path).length === 0)
      this.errs.push(junctorError(`${quoted} must not validate the schema (not)`));
  }

  private trial(sub: Node, v: unknown, old: unknown, path: string): FieldError[] {
    const w = new Walker([]);
    w.node(sub, v, old, path);
    return w.errs;
  }

  /** Validates against a sub-schema, keeping its errors; true when there were some. */
  private sub(sub: Node, v: unknown, old: unknown, path: string, keep: boolean): boolean {
    const errs = this.trial(sub, v, old, path);
    if (keep) this.errs.push(...errs);
    return errs.length > 0;
  }
}

function keyOf(item: Record<string, unknown>, keys: string[], s: CrdSchema): string {
  return JSON.stringify(keys.map((k) => item[k] ?? s.properties?.[k]?.default ?? null));
}

function indexByKeys(list: unknown[], keys: string[], s: CrdSchema): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const item of list) if (isPlainObject(item)) m.set(keyOf(item, keys, s), item);
  return m;
}

/** Deep equality of decoded JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as object);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => k in bo && jsonEqual((a as Record<string, unknown>)[k], bo[k]));
}

/**
 * Compiles the validator of a CRD version's schema; `engine` evaluates x-kubernetes-validations
 * (none: rules are skipped). Pure; the result is immutable and reusable.
 */
export function compileValidator(schema: CrdSchema, engine?: SchemaRuleEngine): SchemaValidator {
  const root = compileNode(schema, engine, true);
  return {
    validate(obj, old) {
      const w = new Walker([]);
      w.node(root, obj, old, '');
      return w.errs;
    },
    validateValue(value, path) {
      const w = new Walker([]);
      w.node({ ...root, resourceRoot: false }, value, undefined, path);
      return w.errs;
    },
  };
}
