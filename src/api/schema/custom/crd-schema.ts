/**
 * The schema of a CustomResourceDefinition version (`spec.versions[].schema.openAPIV3Schema`):
 * apiextensions.k8s.io/v1 JSONSchemaProps with the Kubernetes extensions kubernetes-types leaves
 * out. Plain JSON, as stored in the CRD; nothing here is compiled.
 */
export interface CrdSchema {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  default?: unknown;
  example?: unknown;
  enum?: unknown[];
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  properties?: Record<string, CrdSchema>;
  additionalProperties?: CrdSchema | boolean;
  items?: CrdSchema | CrdSchema[];
  allOf?: CrdSchema[];
  anyOf?: CrdSchema[];
  oneOf?: CrdSchema[];
  not?: CrdSchema;
  externalDocs?: { description?: string; url?: string };
  // Not supported in CRDs (refused by the structural checks), listed so they can be named.
  $ref?: string;
  $schema?: string;
  id?: string;
  additionalItems?: CrdSchema | boolean;
  patternProperties?: Record<string, CrdSchema>;
  definitions?: Record<string, CrdSchema>;
  dependencies?: Record<string, CrdSchema | string[]>;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
}

/** One `x-kubernetes-validations` entry (a CEL rule). */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** The item schema of an array node (CRDs allow only a single schema; a list is refused). */
export function itemSchema(s: CrdSchema): CrdSchema | undefined {
  return s.items && !Array.isArray(s.items) ? s.items : undefined;
}

/** The value schema of a map node (`additionalProperties: {...}`), undefined for `true`/absent. */
export function additionalSchema(s: CrdSchema): CrdSchema | undefined {
  return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
