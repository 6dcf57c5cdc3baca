/**
 * Generates src/api/schema/generated/definitions.json: OpenAPI (Swagger 2.0 style) definitions of
 * every type reachable from the kinds in src/api/resource-types.ts and src/api/review-kinds.ts, plus the meta types the API
 * serves (ObjectMeta, Status, DeleteOptions, WatchEvent, Scale, Eviction, Binding, TokenRequest...).
 *
 * Source of truth: the .d.ts files of the `kubernetes-types` package (generated from the upstream
 * OpenAPI, with its doc comments), read with the TypeScript compiler API. What they lack is added
 * here: upstream names (io.k8s.api.core.v1.Pod), integer formats, IntOrString / Quantity / Time
 * definitions, x-kubernetes-group-version-kind, and patch metadata from patch-metadata.ts.
 *
 * Run: node --import tsx scripts/gen-openapi.ts   (deterministic: same input, same bytes)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { RESOURCE_TYPES } from '../src/api/resource-types.js';
import { REVIEW_KINDS } from '../src/api/review-kinds.js';
import { ATOMIC_STRUCTS, FIELD_PATCH_METADATA } from '../src/api/schema/patch-metadata.js';
import type { Definitions, Schema, SchemaGvk } from '../src/api/schema/json-schema.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const TYPES_DIR = path.join(ROOT, 'node_modules/kubernetes-types');
const OUT = path.join(ROOT, 'src/api/schema/generated/definitions.json');
const REF = '#/definitions/';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Module path inside kubernetes-types ('core/v1') -> upstream definition prefix. */
function prefixOf(module: string): string {
  if (module === 'meta/v1') return META;
  if (module === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (module === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (module === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (module.startsWith('apiextensions/')) return `io.k8s.apiextensions-apiserver.pkg.apis.${module.replace('/', '.')}`;
  return `io.k8s.api.${module.replace('/', '.')}`;
}

/** kubernetes-types module of an API group/version: 'rbac.authorization.k8s.io', 'v1' -> 'rbac/v1'. */
function moduleOf(group: string, version: string): string {
  return `${group === '' ? 'core' : group.split('.')[0]}/${version}`;
}

/** Fields whose Go type is int64 (kubernetes-types only says `number`); everything else is int32. */
const INT64_FIELDS = new Set([
  'generation',
  'observedGeneration',
  'deletionGracePeriodSeconds',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'supplementalGroups',
  'tolerationSeconds',
  'expirationSeconds',
  'gracePeriodSeconds',
  'seconds',
  'sizeBytes',
  'startingDeadlineSeconds',
  'remainingItemCount',
  'sinceSeconds',
  'tailLines',
  'limitBytes',
  'leaseTransitions',
]);

interface ModuleInfo {
  file: ts.SourceFile;
  decls: Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>;
  imports: Map<string, string>; // local name -> module path
}

const modules = new Map<string, ModuleInfo>();

function loadModule(module: string): ModuleInfo {
  const cached = modules.get(module);
  if (cached) return cached;
  const fileName = path.join(TYPES_DIR, `${module}.d.ts`);
  const file = ts.createSourceFile(fileName, fs.readFileSync(fileName, 'utf8'), ts.ScriptTarget.ES2022, true);
  const info: ModuleInfo = { file, decls: new Map(), imports: new Map() };
  for (const stmt of file.statements) {
    if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) info.decls.set(stmt.name.text, stmt);
    if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(module), stmt.moduleSpecifier.text));
      const bindings = stmt.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        for (const el of bindings.elements) info.imports.set(el.name.text, target);
    }
  }
  modules.set(module, info);
  return info;
}

function docOf(node: ts.Node): string | undefined {
  const parts: string[] = [];
  for (const doc of ts.getJSDocCommentsAndTags(node)) {
    if (ts.isJSDoc(doc)) {
      const text = ts.getTextOfJSDocComment(doc.comment);
      if (text) parts.push(text.trim());
    }
  }
  return parts.length ? parts.join('\n\n') : undefined;
}

const definitions: Definitions = {};
const queue: Array<{ module: string; name: string }> = [];

/** Upstream name of a type declared in (or imported into) `module`, queuing it for generation. */
function resolveRef(module: string, name: string): string {
  const info = loadModule(module);
  const home = info.decls.has(name) ? module : info.imports.get(name);
  if (!home) throw new Error(`cannot resolve type ${name} in ${module}`);
  const full = `${prefixOf(home)}.${name}`;
  if (!(full in definitions)) {
    definitions[full] = {}; // placeholder; filled when dequeued
    queue.push({ module: home, name });
  }
  return full;
}

function schemaOfType(module: string, node: ts.TypeNode, field: string): Schema {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.NumberKeyword:
      return { type: 'integer', format: INT64_FIELDS.has(field) ? 'int64' : 'int32' };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return { type: 'object' };
  }
  if (ts.isLiteralTypeNode(node)) return { type: 'string' }; // apiVersion?: "v1", kind?: "Pod"
  if (ts.isParenthesizedTypeNode(node)) return schemaOfType(module, node.type, field);
  if (ts.isArrayTypeNode(node)) return { type: 'array', items: schemaOfType(module, node.elementType, field) };
  if (ts.isUnionTypeNode(node)) {
    const kinds = node.types.map((t) => t.kind).sort();
    if (
      kinds.length === 2 &&
      kinds.includes(ts.SyntaxKind.NumberKeyword) &&
      kinds.includes(ts.SyntaxKind.StringKeyword)
    ) {
      return { $ref: REF + INT_OR_STRING };
    }
    if (node.types.every((t) => ts.isLiteralTypeNode(t))) return { type: 'string' };
    throw new Error(`unsupported union in ${module}.${field}`);
  }
  if (ts.isTypeLiteralNode(node)) {
    const index = node.members.find(ts.isIndexSignatureDeclaration);
    if (index?.type) return { type: 'object', additionalProperties: schemaOfType(module, index.type, field) };
    return { type: 'object' };
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const element = node.typeArguments?.[0];
    if (node.typeName.text === 'Array' && element)
      return { type: 'array', items: schemaOfType(module, element, field) };
    return { $ref: REF + resolveRef(module, node.typeName.text) };
  }
  throw new Error(`unsupported type ${ts.SyntaxKind[node.kind]} in ${module}.${field}`);
}

function withPatchMeta(defName: string, prop: string, schema: Schema): Schema {
  const meta = FIELD_PATCH_METADATA[defName]?.[prop];
  if (!meta) return schema;
  const out: Schema = { ...schema };
  if (meta.listMapKeys) out['x-kubernetes-list-map-keys'] = [...meta.listMapKeys];
  if (meta.listType) out['x-kubernetes-list-type'] = meta.listType;
  if (meta.mapType) out['x-kubernetes-map-type'] = meta.mapType;
  if (meta.patchMergeKey) out['x-kubernetes-patch-merge-key'] = meta.patchMergeKey;
  if (meta.patchStrategy) out['x-kubernetes-patch-strategy'] = meta.patchStrategy;
  return out;
}

function generate(module: string, name: string): Schema {
  const full = `${prefixOf(module)}.${name}`;
  const special = SPECIAL[full];
  if (special) return special;
  const decl = loadModule(module).decls.get(name);
  if (!decl) throw new Error(`no declaration ${name} in ${module}`);
  const description = docOf(decl);
  if (ts.isTypeAliasDeclaration(decl)) {
    return { ...(description ? { description } : {}), ...schemaOfType(module, decl.type, name) };
  }
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  const members = [...decl.members]
    .filter(ts.isPropertySignature)
    .sort((a, b) => a.name.getText().replace(/"/g, '').localeCompare(b.name.getText().replace(/"/g, '')));
  for (const member of members) {
    const prop = member.name.getText().replace(/"/g, '');
    if (!member.type) continue;
    const base = schemaOfType(module, member.type, prop);
    const doc = docOf(member);
    properties[prop] = withPatchMeta(full, prop, doc ? { ...base, description: doc } : base);
    if (!member.questionToken) required.push(prop);
  }
  for (const prop of Object.keys(FIELD_PATCH_METADATA[full] ?? {})) {
    if (!(prop in properties)) throw new Error(`patch metadata names missing property ${full}.${prop}`);
  }
  const schema: Schema = { ...(description ? { description } : {}), type: 'object', properties };
  if (required.length) schema.required = required.sort();
  if (ATOMIC_STRUCTS.includes(full)) schema['x-kubernetes-map-type'] = 'atomic';
  return schema;
}

/** Types serialized specially (Go custom marshalers), as upstream defines them. */
const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

const SPECIAL: Record<string, Schema> = {
  // Upstream gives these JSON-schema unions no type: any JSON value is accepted.
  [`${APIEXT}.JSON`]: {
    description:
      'JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.',
  },
  [`${APIEXT}.JSONSchemaPropsOrArray`]: {
    description:
      'JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.',
  },
  [`${APIEXT}.JSONSchemaPropsOrBool`]: {
    description:
      'JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.',
  },
  [`${APIEXT}.JSONSchemaPropsOrStringArray`]: {
    description: 'JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.',
  },
  [QUANTITY]: {
    description:
      'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors. Serialized as a string such as "500m" or "1Gi"; plain numbers are accepted.',
    type: 'string',
  },
  [`${META}.Time`]: {
    description:
      'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}.MicroTime`]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}.FieldsV1`]: {
    description:
      "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
    type: 'object',
  },
  [`${META}.Patch`]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    description:
      'RawExtension is used to hold extensions in external versions. On the wire it is the JSON of an embedded object.',
    type: 'object',
  },
};

const EXTRA_ROOTS: Array<{ module: string; name: string }> = [
  { module: 'meta/v1', name: 'ObjectMeta' },
  { module: 'meta/v1', name: 'ListMeta' },
  { module: 'meta/v1', name: 'Status' },
  { module: 'meta/v1', name: 'DeleteOptions' },
  { module: 'meta/v1', name: 'WatchEvent' },
  { module: 'meta/v1', name: 'Patch' },
  { module: 'meta/v1', name: 'APIResourceList' },
  { module: 'meta/v1', name: 'APIGroupList' },
  { module: 'meta/v1', name: 'APIVersions' },
  { module: 'meta/v1', name: 'Condition' },
  { module: 'autoscaling/v1', name: 'Scale' },
  { module: 'policy/v1', name: 'Eviction' },
  { module: 'core/v1', name: 'Binding' },
  { module: 'authentication/v1', name: 'TokenRequest' },
];

function main(): void {
  const gvks = new Map<string, SchemaGvk[]>();
  const addGvk = (defName: string, gvk: SchemaGvk) => {
    const list = gvks.get(defName) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    gvks.set(defName, list);
  };
  // IntOrString is never declared in kubernetes-types (it inlines number | string).
  definitions[INT_OR_STRING] = {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string',
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
  };
  for (const rt of RESOURCE_TYPES) {
    const module = moduleOf(rt.group, rt.version);
    for (const kind of [rt.kind, rt.listKind])
      addGvk(resolveRef(module, kind), { group: rt.group, version: rt.version, kind });
  }
  // The create-only review kinds (SubjectAccessReview, TokenReview, ...): `kubectl explain` finds them by GVK.
  for (const k of REVIEW_KINDS)
    addGvk(resolveRef(moduleOf(k.group, k.version), k.kind), { group: k.group, version: k.version, kind: k.kind });
  for (const extra of EXTRA_ROOTS) resolveRef(extra.module, extra.name);
  const groupVersions = [...new Set(RESOURCE_TYPES.map((r) => `${r.group}/${r.version}`))].sort();
  const metaKinds: Record<string, string> = {
    Status: 'Status',
    DeleteOptions: 'DeleteOptions',
    WatchEvent: 'WatchEvent',
    APIResourceList: 'APIResourceList',
    APIGroupList: 'APIGroupList',
    APIVersions: 'APIVersions',
  };
  for (const [name, kind] of Object.entries(metaKinds)) {
    const def = `${META}.${name}`;
    if (kind === 'Status' || kind.startsWith('API')) {
      addGvk(def, { group: '', version: 'v1', kind });
      continue;
    }
    for (const gv of groupVersions) {
      const [group, version] = gv.split('/') as [string, string];
      addGvk(def, { group, version, kind });
    }
    addGvk(def, { group: 'meta.k8s.io', version: 'v1', kind });
  }
  addGvk('io.k8s.api.autoscaling.v1.Scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  addGvk('io.k8s.api.policy.v1.Eviction', { group: 'policy', version: 'v1', kind: 'Eviction' });
  addGvk('io.k8s.api.core.v1.Binding', { group: '', version: 'v1', kind: 'Binding' });
  addGvk('io.k8s.api.authentication.v1.TokenRequest', {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenRequest',
  });

  const validationRule = resolveRef('apiextensions/v1', 'ValidationRule');
  for (let next = queue.shift(); next; next = queue.shift()) {
    definitions[`${prefixOf(next.module)}.${next.name}`] = generate(next.module, next.name);
  }
  // kubernetes-types leaves out JSONSchemaProps' x-kubernetes-* extensions; upstream has them.
  const props = definitions[`${APIEXT}.JSONSchemaProps`]?.properties;
  if (props) {
    const strings = { type: 'array', items: { type: 'string' } } as Schema;
    Object.assign(props, {
      'x-kubernetes-embedded-resource': { type: 'boolean' },
      'x-kubernetes-int-or-string': { type: 'boolean' },
      'x-kubernetes-list-map-keys': strings,
      'x-kubernetes-list-type': { type: 'string' },
      'x-kubernetes-map-type': { type: 'string' },
      'x-kubernetes-preserve-unknown-fields': { type: 'boolean' },
      'x-kubernetes-validations': { type: 'array', items: { $ref: REF + validationRule } },
    });
  }
  // kubernetes-types leaves out the embedded Rule's fields of the webhook rules; upstream has them.
  for (const rule of ['RuleWithOperations', 'NamedRuleWithOperations']) {
    const ruleProps = definitions[`io.k8s.api.admissionregistration.v1.${rule}`]?.properties;
    if (ruleProps)
      Object.assign(ruleProps, {
        resources: {
          description:
            "Resources is a list of resources this rule applies to. For example: 'pods' means pods. 'pods/log' means the log subresource of pods. '*' means all resources, but not subresources. 'pods/*' means all subresources of pods. '*/scale' means all scale subresources. '*/*' means all resources and their subresources.",
          type: 'array',
          items: { type: 'string' },
          'x-kubernetes-list-type': 'atomic',
        },
        scope: {
          description:
            'scope specifies the scope of this rule. Valid values are "Cluster", "Namespaced", and "*". Default is "*".',
          type: 'string',
        },
      } as Record<string, Schema>);
  }
  for (const [def, list] of gvks) {
    const schema = definitions[def];
    if (!schema) throw new Error(`GVK for missing definition ${def}`);
    schema['x-kubernetes-group-version-kind'] = list.sort((a, b) =>
      `${a.group}/${a.version}/${a.kind}`.localeCompare(`${b.group}/${b.version}/${b.kind}`),
    );
  }
  for (const name of Object.keys(FIELD_PATCH_METADATA)) {
    if (!definitions[name]) console.warn(`patch metadata for a type not generated: ${name}`);
  }
  const sorted: Definitions = {};
  for (const name of Object.keys(definitions).sort()) sorted[name] = definitions[name] as Schema;
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(sorted, null, 1)}\n`);
  console.log(`wrote ${Object.keys(sorted).length} definitions to ${path.relative(ROOT, OUT)}`);
}

main();
