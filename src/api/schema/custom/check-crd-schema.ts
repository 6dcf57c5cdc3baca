/**
 * The checks kube-apiserver makes on a CRD version's `openAPIV3Schema` when the CRD is written:
 * what OpenAPI features CRDs support, the structural-schema rules (types everywhere, nothing but
 * value validations inside allOf/anyOf/oneOf/not, metadata restricted to name/generateName),
 * x-kubernetes-* consistency, and defaults (valid and pruned). Errors carry kube's paths, e.g.
 * `spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be
 * empty for specified object fields`. Pure.
 */
import type { FieldError } from '../../errors.js';
import { fieldErrors } from '../../errors.js';
import type { CrdSchema } from './crd-schema.js';
import { additionalSchema, itemSchema } from './crd-schema.js';
import { prune } from './defaults-prune.js';
import type { SchemaRuleEngine } from './rules.js';
import { compileValidator } from './validate.js';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);

type Level = 'root' | 'item' | 'field';

interface Ctx {
  insideMeta: boolean;
  /** Why defaults are forbidden here ('' when allowed). */
  noDefaults: string | undefined;
}

const key = (p: string, k: string) => `${p}[${k}]`;

/** Checks one version's schema; `path` is e.g. `spec.versions[0].schema.openAPIV3Schema`. */
export function checkCrdSchema(schema: CrdSchema, path: string, engine?: SchemaRuleEngine): FieldError[] {
  const errs: FieldError[] = [];
  if (schema.nullable) errs.push(fieldErrors.forbidden(`${path}.nullable`, 'nullable cannot be true at the root'));
  supported(schema, path, true, { insideMeta: false, noDefaults: undefined }, errs);
  const structural: FieldError[] = [];
  invariants(schema, 'root', path, structural);
  completeness(schema, path, structural);
  structural.sort((a, b) => `${a.field}: ${a.message}`.localeCompare(`${b.field}: ${b.message}`));
  errs.push(...structural);
  if (structural.length === 0) errs.push(...checkDefaults(schema, path));
  if (engine?.checkRules && errs.length === 0) walkRules(schema, path, engine, errs);
  return errs;
}

/** ValidateCustomResourceDefinitionOpenAPISchema: which OpenAPI features a CRD may use. */
function supported(s: CrdSchema, p: string, isRoot: boolean, ctx: Ctx, errs: FieldError[]): void {
  if (s.type && s.type !== 'null' && !TYPES.includes(s.type))
    errs.push(fieldErrors.notSupported(`${p}.type`, s.type, TYPES));
  if (s.type === 'null')
    errs.push(fieldErrors.forbidden(`${p}.type`, 'type cannot be set to null, use nullable as an alternative'));
  if (s.default !== undefined && ctx.noDefaults !== undefined)
    errs.push(fieldErrors.forbidden(`${p}.default`, `must not be set${ctx.noDefaults ? ` ${ctx.noDefaults}` : ''}`));
  if (s.id) errs.push(fieldErrors.forbidden(`${p}.id`, 'id is not supported'));
  if (s.additionalItems !== undefined)
    errs.push(fieldErrors.forbidden(`${p}.additionalItems`, 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length > 0)
    errs.push(fieldErrors.forbidden(`${p}.patternProperties`, 'patternProperties is not supported'));
  if (s.definitions && Object.keys(s.definitions).length > 0)
    errs.push(fieldErrors.forbidden(`${p}.definitions`, 'definitions is not supported'));
  if (s.dependencies) errs.push(fieldErrors.forbidden(`${p}.dependencies`, 'dependencies is not supported'));
  if (s.$ref) errs.push(fieldErrors.forbidden(`${p}.$ref`, '$ref is not supported'));
  if (s.$schema) errs.push(fieldErrors.forbidden(`${p}.$schema`, '$schema is not supported'));
  if (Array.isArray(s.items))
    errs.push(fieldErrors.forbidden(`${p}.items`, 'items must be a schema object and not an array'));
  if (ctx.insideMeta && s['x-kubernetes-embedded-resource'])
    errs.push(fieldErrors.forbidden(`${p}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta'));
  if (s.uniqueItems)
    errs.push(
      fieldErrors.forbidden(
        `${p}.uniqueItems`,
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  if (s.additionalProperties !== undefined) {
    const props = s.properties && Object.keys(s.properties).length > 0;
    if (props && (s.additionalProperties === false || typeof s.additionalProperties === 'object'))
      errs.push(
        fieldErrors.forbidden(`${p}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'),
      );
    const add = additionalSchema(s);
    if (add)
      supported(
        add,
        `${p}.additionalProperties`,
        false,
        ctx.insideMeta ? { ...ctx, noDefaults: 'inside additionalProperties applying to object metadata' } : ctx,
        errs,
      );
  }
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    let sub = ctx;
    if ((isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.has(k)) {
      sub = { ...sub, insideMeta: true };
      if (isRoot) sub = { ...sub, noDefaults: `in top-level ${k}` };
    }
    supported(prop, key(`${p}.properties`, k), false, sub, errs);
  }
  if (s.not) supported(s.not, `${p}.not`, false, ctx, errs);
  for (const j of ['allOf', 'oneOf', 'anyOf'] as const)
    for (const [i, sub] of (s[j] ?? []).entries()) supported(sub, `${p}.${j}[${i}]`, false, ctx, errs);
  const items = itemSchema(s);
  if (items) supported(items, `${p}.items`, false, ctx, errs);
  if (s['x-kubernetes-preserve-unknown-fields'] === false)
    errs.push(fieldErrors.invalid(`${p}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && s.type !== 'object')
    typeMust(s, p, 'object', 'x-kubernetes-map-type is specified', errs);
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular')
    errs.push(fieldErrors.notSupported(`${p}.x-kubernetes-map-type`, mapType, ['atomic', 'granular']));
  listChecks(s, p, errs);
}

function typeMust(s: CrdSchema, p: string, type: string, when: string, errs: FieldError[]): void {
  if (!s.type) errs.push(fieldErrors.required(`${p}.type`, `must be ${type} if ${when}`));
  else errs.push(fieldErrors.invalid(`${p}.type`, s.type, `must be ${type} if ${when}`));
}

function listChecks(s: CrdSchema, p: string, errs: FieldError[]): void {
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const items = itemSchema(s);
  if (listType !== undefined && s.type !== 'array')
    typeMust(s, p, 'array', 'x-kubernetes-list-type is specified', errs);
  else if (listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] && items['x-kubernetes-list-type'] !== 'atomic')
      errs.push(
        fieldErrors.invalid(
          `${p}.items.x-kubernetes-list-type`,
          items['x-kubernetes-list-type'],
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic')
      errs.push(
        fieldErrors.invalid(
          `${p}.items.x-kubernetes-map-type`,
          items['x-kubernetes-map-type'] ?? null,
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType))
    errs.push(fieldErrors.notSupported(`${p}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
  if (keys.length > 0) {
    if (listType === undefined)
      errs.push(
        fieldErrors.required(`${p}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty'),
      );
    else if (listType !== 'map')
      errs.push(
        fieldErrors.invalid(
          `${p}.x-kubernetes-list-type`,
          listType,
          'must be map if x-kubernetes-list-map-keys is non-empty',
        ),
      );
  }
  if (listType !== 'map') return;
  if (keys.length === 0)
    errs.push(
      fieldErrors.required(`${p}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'),
    );
  if (!s.items) {
    errs.push(fieldErrors.required(`${p}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    return;
  }
  if (!items) return;
  if (items.type !== 'object') {
    errs.push(
      fieldErrors.invalid(
        `${p}.items.type`,
        items.type ?? '',
        "must be object if parent array's x-kubernetes-list-type is map",
      ),
    );
    return;
  }
  const seen = new Set<string>();
  for (const k of keys) {
    const prop = items.properties?.[k];
    if (!prop)
      errs.push(
        fieldErrors.invalid(`${p}.x-kubernetes-list-map-keys`, keys, 'entries must all be names of item properties'),
      );
    else {
      if (prop.type === 'array' || prop.type === 'object')
        errs.push(
          fieldErrors.invalid(
            `${key(`${p}.items.properties`, k)}.type`,
            items.type,
            "must be a scalar type if parent array's x-kubernetes-list-type is map",
          ),
        );
      if (!(items.required ?? []).includes(k) && prop.default === undefined)
        errs.push(
          fieldErrors.required(
            key(`${p}.items.properties`, k),
            'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
          ),
        );
      if (prop.nullable)
        errs.push(
          fieldErrors.forbidden(
            `${key(`${p}.items.properties`, k)}.nullable`,
            'this property is in x-kubernetes-list-map-keys, so it cannot be nullable',
          ),
        );
    }
    if (seen.has(k))
      errs.push(fieldErrors.invalid(`${p}.x-kubernetes-list-map-keys`, keys, 'must not contain duplicate entries'));
    seen.add(k);
  }
}

function isIntOrStringPair(list: CrdSchema[] | undefined): boolean {
  if (list?.length !== 2) return false;
  const [a, b] = list;
  const only = (x: CrdSchema | undefined, t: string) => x !== undefined && Object.keys(x).length === 1 && x.type === t;
  return only(a, 'integer') && only(b, 'string');
}

/** validateStructuralInvariants. */
function invariants(s: CrdSchema, lvl: Level, p: string, errs: FieldError[]): void {
  if (s.type === 'array' && !s.items) errs.push(fieldErrors.required(`${p}.items`, 'must be specified'));
  const items = itemSchema(s);
  if (items) invariants(items, 'item', `${p}.items`, errs);
  for (const [k, prop] of Object.entries(s.properties ?? {}))
    invariants(prop, 'field', key(`${p}.properties`, k), errs);
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root') errs.push(fieldErrors.forbidden(`${p}.additionalProperties`, 'must not be used at the root'));
    const add = additionalSchema(s);
    if (add) invariants(add, 'field', `${p}.additionalProperties`, errs);
  }
  const ios = s['x-kubernetes-int-or-string'] === true;
  const puf = s['x-kubernetes-preserve-unknown-fields'] === true;
  const emb = s['x-kubernetes-embedded-resource'] === true;
  if (ios && puf)
    errs.push(
      fieldErrors.invalid(
        `${p}.x-kubernetes-preserve-unknown-fields`,
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  if (ios && emb)
    errs.push(
      fieldErrors.invalid(
        `${p}.x-kubernetes-embedded-resource`,
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  const skipAnyOf = isIntOrStringPair(s.anyOf);
  const skipFirstAllOfAnyOf = isIntOrStringPair(s.allOf?.[0]?.anyOf);
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, p, errs);
  const checkMetadata = lvl === 'root' || emb;
  if (emb && s.type !== 'object') typeMust(s, p, 'object', 'x-kubernetes-embedded-resource is true', errs);
  else if (!s.type && !ios && !puf) {
    const detail =
      lvl === 'root'
        ? 'must not be empty at the root'
        : lvl === 'item'
          ? 'must not be empty for specified array items'
          : 'must not be empty for specified object fields';
    errs.push(fieldErrors.required(`${p}.type`, detail));
  }
  if (emb && s.additionalProperties !== undefined)
    errs.push(
      fieldErrors.forbidden(`${p}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'),
    );
  if (lvl === 'root' && s.type && s.type !== 'object')
    errs.push(fieldErrors.invalid(`${p}.type`, s.type, 'must be object at the root'));
  for (const f of ['kind', 'apiVersion']) {
    const prop = s.properties?.[f];
    if (prop && checkMetadata && prop.type !== 'string')
      errs.push(fieldErrors.invalid(`${key(`${p}.properties`, f)}.type`, prop.type ?? '', 'must be string'));
  }
  const meta = s.properties?.metadata;
  if (meta) {
    const mp = key(`${p}.properties`, 'metadata');
    if (checkMetadata && meta.type !== 'object')
      errs.push(fieldErrors.invalid(`${mp}.type`, meta.type ?? '', 'must be object'));
    if (lvl === 'root') {
      const rest = Object.keys(meta).filter((k) => !['type', 'default', 'properties'].includes(k));
      const props = Object.keys(meta.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
      const nameLike = (x: CrdSchema | undefined) =>
        x === undefined ||
        Object.keys(x).every((k) => !['properties', 'items', 'additionalProperties', 'default'].includes(k));
      if (
        rest.length > 0 ||
        props.length > 0 ||
        !nameLike(meta.properties?.name) ||
        !nameLike(meta.properties?.generateName)
      )
        errs.push(
          fieldErrors.forbidden(
            mp,
            'must not specify anything other than name and generateName, but metadata is implicitly specified',
          ),
        );
    }
  }
  if (emb && !puf && Object.keys(s.properties ?? {}).length === 0)
    errs.push(
      fieldErrors.required(
        `${p}.properties`,
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
}

function valueValidation(
  s: CrdSchema,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  p: string,
  errs: FieldError[],
): void {
  if (!skipAnyOf) for (const [i, x] of (s.anyOf ?? []).entries()) nested(x, false, `${p}.anyOf[${i}]`, errs);
  for (const [i, x] of (s.allOf ?? []).entries()) nested(x, skipFirstAllOfAnyOf && i === 0, `${p}.allOf[${i}]`, errs);
  for (const [i, x] of (s.oneOf ?? []).entries()) nested(x, false, `${p}.oneOf[${i}]`, errs);
  if (s.not) nested(s.not, false, `${p}.not`, errs);
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch (e) {
      try {
        new RegExp(s.pattern);
      } catch {
        errs.push(
          fieldErrors.invalid(
            `${p}.pattern`,
            s.pattern,
            `must be a valid regular expression, but isn't: ${(e as Error).message}`,
          ),
        );
      }
    }
  }
}

/** validateNestedValueValidation: inside a junctor only value validations are allowed. */
function nested(v: CrdSchema, skipAnyOf: boolean, p: string, errs: FieldError[]): void {
  valueValidation(v, skipAnyOf, false, p, errs);
  const items = itemSchema(v);
  if (items) nested(items, false, `${p}.items`, errs);
  for (const [k, f] of Object.entries(v.properties ?? {})) nested(f, false, key(`${p}.properties`, k), errs);
  if (v.type) errs.push(fieldErrors.forbidden(`${p}.type`, 'must be empty to be structural'));
  if (v.additionalProperties !== undefined)
    errs.push(fieldErrors.forbidden(`${p}.additionalProperties`, 'must be undefined to be structural'));
  const forbid = (f: string, what: string) => errs.push(fieldErrors.forbidden(`${p}.${f}`, `${what} to be structural`));
  if (v.default !== undefined) forbid('default', 'must be undefined');
  if (v.title) forbid('title', 'must be empty');
  if (v.description) forbid('description', 'must be empty');
  if (v.nullable) forbid('nullable', 'must be false');
  if (v.externalDocs) forbid('externalDocs', 'must be undefined');
  if (v['x-kubernetes-preserve-unknown-fields']) forbid('x-kubernetes-preserve-unknown-fields', 'must be false');
  if (v['x-kubernetes-embedded-resource']) forbid('x-kubernetes-embedded-resource', 'must be false');
  if (v['x-kubernetes-int-or-string']) forbid('x-kubernetes-int-or-string', 'must be false');
  if (v['x-kubernetes-list-map-keys']?.length) forbid('x-kubernetes-list-map-keys', 'must be empty');
  if (v['x-kubernetes-list-type'] !== undefined) forbid('x-kubernetes-list-type', 'must be undefined');
  if (v['x-kubernetes-map-type'] !== undefined) forbid('x-kubernetes-map-type', 'must be undefined');
  if (v['x-kubernetes-validations']?.length) forbid('x-kubernetes-validations', 'must be empty');
  if (v.properties?.metadata)
    errs.push(fieldErrors.forbidden(key(`${p}.properties`, 'metadata'), 'must not be specified in a nested context'));
}

/** validateStructuralCompleteness: what a junctor names must be specified outside it too. */
function completeness(s: CrdSchema, p: string, errs: FieldError[]): void {
  const check = (v: CrdSchema, vPath: string) => nestedComplete(v, s, p, vPath, errs);
  for (const [i, x] of (s.allOf ?? []).entries()) check(x, `${p}.allOf[${i}]`);
  for (const [i, x] of (s.anyOf ?? []).entries()) check(x, `${p}.anyOf[${i}]`);
  for (const [i, x] of (s.oneOf ?? []).entries()) check(x, `${p}.oneOf[${i}]`);
  if (s.not) check(s.not, `${p}.not`);
  for (const [k, prop] of Object.entries(s.properties ?? {})) completeness(prop, key(`${p}.properties`, k), errs);
  const items = itemSchema(s);
  if (items) completeness(items, `${p}.items`, errs);
  const add = additionalSchema(s);
  if (add) completeness(add, `${p}.additionalProperties`, errs);
}

function nestedComplete(
  v: CrdSchema,
  s: CrdSchema | undefined,
  sPath: string,
  vPath: string,
  errs: FieldError[],
): void {
  if (!s) {
    errs.push(fieldErrors.required(sPath, `because it is defined in ${vPath}`));
    return;
  }
  for (const [i, x] of (v.allOf ?? []).entries()) nestedComplete(x, s, sPath, `${vPath}.allOf[${i}]`, errs);
  for (const [i, x] of (v.anyOf ?? []).entries()) nestedComplete(x, s, sPath, `${vPath}.anyOf[${i}]`, errs);
  for (const [i, x] of (v.oneOf ?? []).entries()) nestedComplete(x, s, sPath, `${vPath}.oneOf[${i}]`, errs);
  if (v.not) nestedComplete(v.not, s, sPath, `${vPath}.not`, errs);
  const vItems = itemSchema(v);
  if (vItems) nestedComplete(vItems, itemSchema(s), `${sPath}.items`, `${vPath}.items`, errs);
  for (const [k, f] of Object.entries(v.properties ?? {}))
    nestedComplete(f, s.properties?.[k], key(`${sPath}.properties`, k), key(`${vPath}.properties`, k), errs);
}

/** Defaults must validate against their own schema and hold no fields pruning would drop. */
function checkDefaults(s: CrdSchema, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const walk = (node: CrdSchema, path: string) => {
    if (node.default !== undefined) {
      const copy = JSON.parse(JSON.stringify(node.default)) as unknown;
      const unknown = prune(copy, { ...node, default: undefined }).filter(
        (f) => !/^(apiVersion|kind|metadata)$/.test(f),
      );
      if (unknown.length > 0)
        errs.push(fieldErrors.invalid(`${path}.default`, node.default, 'must not have unknown fields'));
      else
        for (const e of compileValidator(node).validateValue(node.default, ''))
          errs.push({
            ...e,
            field: e.field === '' ? `${path}.default` : e.field === '<nil>' ? e.field : `${path}.default.${e.field}`,
          });
    }
    for (const [k, prop] of Object.entries(node.properties ?? {})) walk(prop, key(`${path}.properties`, k));
    const items = itemSchema(node);
    if (items) walk(items, `${path}.items`);
    const add = additionalSchema(node);
    if (add) walk(add, `${path}.additionalProperties`);
  };
  walk(s, p);
  return errs;
}

function walkRules(s: CrdSchema, p: string, engine: SchemaRuleEngine, errs: FieldError[]): void {
  if (s['x-kubernetes-validations']?.length && engine.checkRules) errs.push(...engine.checkRules(s, p));
  for (const [k, prop] of Object.entries(s.properties ?? {})) walkRules(prop, key(`${p}.properties`, k), engine, errs);
  const items = itemSchema(s);
  if (items) walkRules(items, `${p}.items`, engine, errs);
  const add = additionalSchema(s);
  if (add) walkRules(add, `${p}.additionalProperties`, engine, errs);
}
