/**
 * The generated OpenAPI definitions (scripts/gen-openapi.ts -> generated/definitions.json), loaded
 * once, with a GVK -> definition-name index. Read-only: callers must not mutate what they get.
 */
import type { GroupVersionKind } from '../object.js';
import type { Definitions, Schema } from './json-schema.js';
import { refName } from './json-schema.js';
import raw from './generated/definitions.json' with { type: 'json' };

export const DEFINITIONS: Readonly<Definitions> = raw as unknown as Definitions;

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

const byGvk = new Map<string, string>();
for (const [name, schema] of Object.entries(DEFINITIONS)) {
  for (const g of schema['x-kubernetes-group-version-kind'] ?? []) {
    const key = gvkKey(g.group, g.version, g.kind);
    // Meta types (DeleteOptions, WatchEvent) claim every group-version; a real kind wins.
    if (!byGvk.has(key) || !name.startsWith('io.k8s.apimachinery.')) byGvk.set(key, name);
  }
}

/** Definition name of a served kind (or its List), e.g. 'io.k8s.api.apps.v1.Deployment'; undefined if unknown. */
export function definitionNameFor(gvk: GroupVersionKind): string | undefined {
  return byGvk.get(gvkKey(gvk.group, gvk.version, gvk.kind));
}

/** The schema a (possibly `$ref`) schema stands for; the schema itself when it is not a ref. */
export function resolve(schema: Schema): Schema {
  const name = refName(schema.$ref);
  return name ? (DEFINITIONS[name] ?? {}) : schema;
}
