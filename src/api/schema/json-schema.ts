/**
 * The subset of OpenAPI / JSON Schema the generated Kubernetes definitions use. Definitions are
 * stored in Swagger 2.0 form (`$ref: "#/definitions/<name>"`, description beside `$ref`); the
 * OpenAPI v3 documents rewrite refs to `#/components/schemas/<name>` and wrap annotated refs in
 * `allOf` as upstream does.
 */
export interface SchemaGvk {
  group: string;
  version: string;
  kind: string;
}

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
  uniqueItems?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: SchemaGvk[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
}

/** All definitions by upstream name, e.g. `io.k8s.api.core.v1.Pod`. */
export type Definitions = Record<string, Schema>;

export const V2_REF_PREFIX = '#/definitions/';

/** Definition name a `$ref` points to (either prefix), or undefined for a non-ref. */
export function refName(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const slash = ref.lastIndexOf('/');
  return slash < 0 ? ref : ref.slice(slash + 1);
}
