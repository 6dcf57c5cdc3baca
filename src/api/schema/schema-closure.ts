/**
 * Which definitions a set of definitions needs: the transitive closure of their `$ref`s, sorted.
 * Used to put into each served OpenAPI document exactly the schemas its operations refer to.
 */
import type { Schema } from './json-schema.js';
import { refName } from './json-schema.js';
import { lookupDefinition } from './custom-openapi.js';

function collectRefs(schema: Schema, into: string[]): void {
  const name = refName(schema.$ref);
  if (name) into.push(name);
  for (const sub of schema.allOf ?? []) collectRefs(sub, into);
  for (const sub of schema.oneOf ?? []) collectRefs(sub, into);
  for (const prop of Object.values(schema.properties ?? {})) collectRefs(prop, into);
  if (schema.items) collectRefs(schema.items, into);
  if (typeof schema.additionalProperties === 'object') collectRefs(schema.additionalProperties, into);
}

/** Names of `roots` and every definition they reach (built-in or custom), sorted; names without a definition are skipped. */
export function schemaClosure(roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    const schema = lookupDefinition(name);
    if (seen.has(name) || !schema) continue;
    seen.add(name);
    collectRefs(schema, stack);
  }
  return [...seen].sort();
}
