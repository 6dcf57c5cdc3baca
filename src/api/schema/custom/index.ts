/**
 * Schemas of custom resources (a CRD version's openAPIV3Schema): the checks on the CRD itself,
 * and for custom objects pruning, defaulting and validation with kube-apiserver's messages.
 * `rules.ts` is the hook where the CEL layer (x-kubernetes-validations) plugs in.
 *
 *   CRD write ─> checkCrdSchema ─────────────────────────────> 422 on the CRD
 *   CR decode ─> prune (unknown fields: warnings / Strict) ─> applyDefaults ─> compileValidator().validate
 *   CR read   ─> applyDefaults (storage version's schema)
 */
export type { CrdSchema, ValidationRule } from './crd-schema.js';
export { checkCrdSchema } from './check-crd-schema.js';
export { applyDefaults, defaultedCopy, hasDefaults, needsDefaults, prune } from './defaults-prune.js';
export type { SchemaValidator } from './validate.js';
export { compileValidator, jsonEqual } from './validate.js';
export type { NodeRules, SchemaRuleEngine } from './rules.js';
export { ruleEngineGeneration, schemaRuleEngine, setSchemaRuleEngine } from './rules.js';
