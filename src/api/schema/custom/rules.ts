/**
 * The hook where `x-kubernetes-validations` (CEL rules) plug into custom resource validation.
 * This module defines the contract; the CEL engine of api/cel is the default, and
 * `setSchemaRuleEngine` replaces it (tests). Without an engine, rules are not evaluated (and not
 * checked on CRD writes).
 *
 *   CRD create/update ──> checkCrdSchema ──> engine.checkRules(node, schemaPath)   (compile errors, cost)
 *   CR create/update  ──> compileValidator(schema) ──> engine.compile(node) once per node
 *                         validate(obj, old) ──> NodeRules(self, oldSelf, fieldPath) per value
 */
import { checkSchemaRules, compileSchemaRules, type RuleSchema } from '../../cel/schema-rules.js';
import type { FieldError } from '../../errors.js';
import type { CrdSchema } from './crd-schema.js';

/**
 * Evaluates the rules of one schema node against one value. `self` is the value at `fieldPath`
 * (e.g. `spec.ports[0]`), after defaulting and pruning. `oldSelf` is the correlated old value on
 * update (undefined on create, or when the value cannot be correlated: items of atomic lists and
 * sets, or a key absent in the old object). Returns the failures as field errors (path, reason
 * and message as kube-apiserver reports them). Must not throw and must not mutate its inputs.
 */
export type NodeRules = (self: unknown, oldSelf: unknown | undefined, fieldPath: string) => FieldError[];

export interface SchemaRuleEngine {
  /**
   * Compiles the `x-kubernetes-validations` of `node` (only called for nodes that have some).
   * Called once per node when a CRD version's validator is built; the result is kept with it.
   * Undefined: nothing to check.
   */
  compile(node: CrdSchema): NodeRules | undefined;
  /**
   * Checks the rules of `node` when a CRD is written (syntax, types, cost limits). `schemaPath` is
   * the node's path in the CRD, e.g.
   * `spec.versions[0].schema.openAPIV3Schema.properties[spec]`; errors should be on
   * `<schemaPath>.x-kubernetes-validations[i].rule` as kube-apiserver reports them.
   */
  checkRules?(node: CrdSchema, schemaPath: string): FieldError[];
}

/** CEL (api/cel) evaluates the rules unless another engine registers (tests use their own). */
let engine: SchemaRuleEngine | undefined = {
  compile: (node) => compileSchemaRules(node as RuleSchema),
  checkRules: (node, schemaPath) => checkSchemaRules(node as RuleSchema, schemaPath),
};

/** Registers (or with undefined removes) the process-wide rule engine. Validators built before keep theirs. */
export function setSchemaRuleEngine(next: SchemaRuleEngine | undefined): void {
  engine = next;
  generation++;
}

/** The registered engine, if any. */
export function schemaRuleEngine(): SchemaRuleEngine | undefined {
  return engine;
}

let generation = 0;
/** Bumped on every registration, so cached validators can tell they were built with another engine. */
export function ruleEngineGeneration(): number {
  return generation;
}
