/**
 * `x-kubernetes-validations` of CustomResourceDefinition schemas, as Kubernetes evaluates them
 * (apiextensions-apiserver/pkg/apiserver/schema/cel): `self` is the value at the schema node,
 * `oldSelf` its correlated old value (transition rules run only on update, unless
 * optionalOldSelf makes oldSelf an optional), failures are field errors at the node's path (or
 * at fieldPath below it) with the rule's message, messageExpression or `failed rule: <rule>`.
 *
 * This module implements the engine contract of the custom resource validator (compile a node
 * once, then evaluate it per value; check the rules when a CRD is written); it depends on no
 * part of that validator, only on the schema's shape.
 */
import { Optional } from '@marcbachmann/cel-js';
import { type FieldError, fieldErrors } from '../errors.js';
import { type CelProgram, compileCel } from './compile.js';
import { costErrorMessage, PER_CALL_LIMIT, STATIC_ESTIMATED_COST_LIMIT } from './cost.js';
import { type SchemaTypes, schemaTypes } from './schema-types.js';
import { type CelSchema, schemaShape, valueShape } from './values.js';

/** One `x-kubernetes-validations` entry. */
export interface CelValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export type RuleSchema = CelSchema & { 'x-kubernetes-validations'?: CelValidationRule[] };

const REASONS = ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'];

interface CompiledRule {
  rule: CelValidationRule;
  program: CelProgram | string;
  /** The estimated cost is within the per-call limit: values valid for the schema cannot exceed it. */
  bounded: boolean;
  message?: CelProgram | string;
  transition: boolean;
}

function usesOldSelf(expression: string): boolean {
  return /\boldSelf\b/.test(expression);
}

function variablesOf(types: SchemaTypes, rule: CelValidationRule): Record<string, string> {
  const type = types.rootType;
  const vars: Record<string, string> = { self: type };
  if (usesOldSelf(rule.rule) || (rule.messageExpression && usesOldSelf(rule.messageExpression))) {
    vars.oldSelf = rule.optionalOldSelf ? `optional<${type}>` : type;
  }
  return vars;
}

function compileRule(node: RuleSchema, types: SchemaTypes, rule: CelValidationRule): CompiledRule {
  const vars = variablesOf(types, rule);
  const c = compileCel(rule.rule ?? '', vars, {
    resultType: 'bool',
    resultTypeError: 'cel expression must evaluate to a bool',
    types,
  });
  const m = rule.messageExpression
    ? compileCel(rule.messageExpression, vars, {
        resultType: 'string',
        resultTypeError: 'messageExpression must evaluate to a string',
        types,
      })
    : undefined;
  const shapes = { self: schemaShape(node), oldSelf: schemaShape(node) };
  return {
    rule,
    program: c.ok ? c.program : c.error,
    bounded: c.ok && c.program.cost(shapes) <= PER_CALL_LIMIT,
    message: m ? (m.ok ? m.program : m.error) : undefined,
    transition: 'oldSelf' in vars,
  };
}

/** The schema type name Kubernetes prints in a rule's field error (`Invalid value: "object": ...`). */
function typeName(node: RuleSchema): string {
  if (node['x-kubernetes-int-or-string']) return 'integer';
  return node.type ?? 'object';
}

function ruleError(reason: string | undefined, field: string, node: RuleSchema, message: string): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return fieldErrors.forbidden(field, message);
    case 'FieldValueRequired':
      return fieldErrors.required(field, message);
    case 'FieldValueDuplicate':
      return { field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(typeName(node))}` };
    default:
      return fieldErrors.invalid(field, typeName(node), message);
  }
}

/** `spec` + `.x` -> `spec.x`; fieldPath is a JSON-path-like suffix (`.a.b`, `['c']`, `[0]`). */
function joinPath(base: string, fieldPath: string | undefined): string {
  if (!fieldPath) return base;
  const rest = fieldPath.startsWith('.') || fieldPath.startsWith('[') ? fieldPath : `.${fieldPath}`;
  return base ? `${base}${rest}` : rest.replace(/^\./, '');
}

/**
 * The evaluator of `node`'s rules (undefined when it has none): called with the value at
 * `fieldPath` and its correlated old value (undefined on create or when it cannot be correlated).
 * Never throws.
 */
export function compileSchemaRules(
  node: RuleSchema,
): ((self: unknown, oldSelf: unknown, fieldPath: string) => FieldError[]) | undefined {
  const rules = node['x-kubernetes-validations'];
  if (!rules?.length) return undefined;
  const types = schemaTypes(node);
  const compiled = rules.map((r) => compileRule(node, types, r));
  return (selfJson, oldJson, path) => {
    const errs: FieldError[] = [];
    const self = types.convert(selfJson);
    const old = oldJson === undefined ? undefined : types.convert(oldJson);
    const shapes = {
      self: valueShape(self),
      oldSelf: old === undefined ? undefined : valueShape(old),
    };
    for (const c of compiled) {
      if (typeof c.program === 'string') {
        errs.push(fieldErrors.invalid(path, typeName(node), `rule compile error: ${c.program}`));
        continue;
      }
      const activation: Record<string, unknown> = { self };
      if (c.transition) {
        if (c.rule.optionalOldSelf) activation.oldSelf = old === undefined ? Optional.none() : Optional.of(old);
        else if (old === undefined)
          continue; // a transition rule only runs on update
        else activation.oldSelf = old;
      }
      const r = c.program.evaluate(activation, c.bounded ? {} : { shapes, costLimit: PER_CALL_LIMIT });
      if ('error' in r) {
        const detail =
          r.error === 'operation cancelled: actual cost limit exceeded'
            ? `call cost exceeds limit for rule: ${c.rule.rule}`
            : `${r.error} evaluating rule: ${c.rule.rule}`;
        errs.push(fieldErrors.invalid(path, typeName(node), detail));
        continue;
      }
      if (r.value === true) continue;
      let message = c.rule.message || `failed rule: ${c.rule.rule.trim()}`;
      if (c.message && typeof c.message !== 'string') {
        const m = c.message.evaluate(activation, { shapes, costLimit: PER_CALL_LIMIT });
        if ('value' in m && typeof m.value === 'string' && m.value.trim() !== '' && !/[\r\n]/.test(m.value))
          message = m.value;
      }
      errs.push(ruleError(c.rule.reason, joinPath(path, c.rule.fieldPath), node, message));
    }
    return errs;
  };
}

/**
 * Kubernetes' checks of a node's rules when a CRD is written: each rule and messageExpression
 * compiles (with `self`/`oldSelf` typed by the node), its estimated cost is within the per-rule
 * limit, reason and message are valid. Errors at `<schemaPath>.x-kubernetes-validations[i].*`.
 */
export function checkSchemaRules(node: RuleSchema, schemaPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const shapes = { self: schemaShape(node), oldSelf: schemaShape(node) };
  const types = schemaTypes(node);
  (node['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const f = `${schemaPath}.x-kubernetes-validations[${i}]`;
    if (!rule.rule?.trim()) {
      errs.push(fieldErrors.required(`${f}.rule`));
      return;
    }
    const c = compileRule(node, types, rule);
    if (typeof c.program === 'string') errs.push(fieldErrors.invalid(`${f}.rule`, rule, c.program));
    else {
      const cost = c.program.cost(shapes);
      if (cost > STATIC_ESTIMATED_COST_LIMIT)
        errs.push(
          fieldErrors.forbidden(
            `${f}.rule`,
            costErrorMessage('estimated rule cost', cost, STATIC_ESTIMATED_COST_LIMIT),
          ),
        );
    }
    if (typeof c.message === 'string')
      errs.push(fieldErrors.invalid(`${f}.messageExpression`, rule, `messageExpression ${c.message}`));
    if (rule.message !== undefined && /[\r\n]/.test(rule.message))
      errs.push(fieldErrors.invalid(`${f}.message`, rule.message, 'message must not contain line breaks'));
    if (rule.message !== undefined && rule.message.trim() === '')
      errs.push(fieldErrors.required(`${f}.message`, 'message must be non-empty if specified'));
    if (rule.reason !== undefined && !REASONS.includes(rule.reason))
      errs.push(fieldErrors.notSupported(`${f}.reason`, rule.reason, REASONS));
    if (rule.optionalOldSelf && !c.transition)
      errs.push(fieldErrors.invalid(`${f}.optionalOldSelf`, true, 'may not be set if rule does not use oldSelf'));
  });
  return errs;
}

/** The two together in the shape of the custom resource validator's engine contract. */
export const celSchemaRuleEngine = {
  compile: compileSchemaRules,
  checkRules: checkSchemaRules,
};
