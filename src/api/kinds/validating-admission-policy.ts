/**
 * admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding:
 * defaults, validation (every CEL expression compiled, errors as Kubernetes words them) and table
 * columns. `compilePolicy` is also what the admission plugin runs.
 */
import type {
  MatchResources,
  NamedRuleWithOperations as NamedRuleTypes,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from 'kubernetes-types/admissionregistration/v1.js';
import { type CelProgram, compileCel } from '../cel/index.js';
import { type FieldError, fieldErrors } from '../errors.js';
import { validateEnum } from '../validation/field.js';
import { validateLabelSelector } from '../validation/label-selector.js';
import { isQualifiedName } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** A policy's resource rule: kubernetes-types leaves out the fields inlined from Rule. */
export type NamedRuleWithOperations = NamedRuleTypes & { resources?: string[]; scope?: string };

/** The variables every admission policy expression may use (all dynamically typed here). */
export const POLICY_VARIABLES: Readonly<Record<string, string>> = {
  object: 'dyn',
  oldObject: 'dyn',
  request: 'dyn',
  params: 'dyn',
  namespaceObject: 'dyn',
  variables: 'dyn',
  authorizer: 'dyn',
};

const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'];
const ACTIONS = ['Deny', 'Warn', 'Audit'];

/** A policy with its expressions compiled; a compile error is kept where the program would be. */
export interface CompiledPolicy {
  matchConditions: { name: string; program: CelProgram | string }[];
  variables: { name: string; program: CelProgram | string }[];
  validations: {
    program: CelProgram | string;
    message?: string;
    messageExpression?: CelProgram | string;
    reason: string;
    expression: string;
  }[];
  auditAnnotations: { key: string; program: CelProgram | string }[];
}

function compiled(expression: string, resultType?: 'bool' | 'string'): CelProgram | string {
  const c = compileCel(expression ?? '', POLICY_VARIABLES, { resultType });
  return c.ok ? c.program : c.error;
}

/** Compiles every expression of a policy's spec. Pure (compiled environments are cached). */
export function compilePolicy(policy: ValidatingAdmissionPolicy): CompiledPolicy {
  const spec = policy.spec ?? {};
  return {
    matchConditions: (spec.matchConditions ?? []).map((m) => ({
      name: m.name,
      program: compiled(m.expression, 'bool'),
    })),
    variables: (spec.variables ?? []).map((v) => ({ name: v.name, program: compiled(v.expression) })),
    validations: (spec.validations ?? []).map((v) => ({
      program: compiled(v.expression, 'bool'),
      message: v.message,
      messageExpression: v.messageExpression ? compiled(v.messageExpression, 'string') : undefined,
      reason: v.reason ?? 'Invalid',
      expression: v.expression,
    })),
    auditAnnotations: (spec.auditAnnotations ?? []).map((a) => ({
      key: a.key,
      program: compiled(a.valueExpression, 'string'),
    })),
  };
}

function defaultMatchResources(m: MatchResources): void {
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  m.matchPolicy ??= 'Equivalent';
  for (const r of [...(m.resourceRules ?? []), ...(m.excludeResourceRules ?? [])] as NamedRuleWithOperations[])
    r.scope ??= '*';
}

function validateRules(rules: NamedRuleWithOperations[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((r, i) => {
    const f = `${field}[${i}]`;
    if (!r.operations?.length) errs.push(fieldErrors.required(`${f}.operations`));
    for (const [j, op] of (r.operations ?? []).entries()) {
      if (!OPERATIONS.includes(op)) errs.push(fieldErrors.notSupported(`${f}.operations[${j}]`, op, OPERATIONS));
    }
    if (!r.apiGroups?.length) errs.push(fieldErrors.required(`${f}.apiGroups`));
    if (!r.apiVersions?.length) errs.push(fieldErrors.required(`${f}.apiVersions`));
    if (!r.resources?.length) errs.push(fieldErrors.required(`${f}.resources`));
    for (const [j, res] of (r.resources ?? []).entries()) {
      if (res.includes('/') && !res.split('/')[0])
        errs.push(fieldErrors.invalid(`${f}.resources[${j}]`, res, 'must not be empty'));
    }
    if (r.scope !== undefined) errs.push(...validateEnum(`${f}.scope`, r.scope, ['Cluster', 'Namespaced', '*']));
  });
  return errs;
}

function validateMatchResources(m: MatchResources | undefined, field: string, rulesRequired: boolean): FieldError[] {
  if (!m) return rulesRequired ? [fieldErrors.required(field)] : [];
  const errs: FieldError[] = [];
  if (rulesRequired && !m.resourceRules?.length) errs.push(fieldErrors.required(`${field}.resourceRules`));
  errs.push(...validateRules(m.resourceRules as NamedRuleWithOperations[] | undefined, `${field}.resourceRules`));
  errs.push(
    ...validateRules(m.excludeResourceRules as NamedRuleWithOperations[] | undefined, `${field}.excludeResourceRules`),
  );
  if (m.matchPolicy !== undefined)
    errs.push(...validateEnum(`${field}.matchPolicy`, m.matchPolicy, ['Exact', 'Equivalent']));
  errs.push(...validateLabelSelector(m.namespaceSelector, `${field}.namespaceSelector`));
  errs.push(...validateLabelSelector(m.objectSelector, `${field}.objectSelector`));
  return errs;
}

function compileErrors(
  field: string,
  expression: string | undefined,
  program: CelProgram | string | undefined,
): FieldError[] {
  if (!expression) return [fieldErrors.required(field)];
  return typeof program === 'string' ? [fieldErrors.invalid(field, expression, program)] : [];
}

/** Kubernetes' checks of a policy spec (validation.go of admissionregistration). */
export function validatePolicySpec(policy: ValidatingAdmissionPolicy): FieldError[] {
  const spec = policy.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs: FieldError[] = [];
  if (spec.failurePolicy !== undefined)
    errs.push(...validateEnum('spec.failurePolicy', spec.failurePolicy, ['Ignore', 'Fail']));
  if (spec.paramKind) {
    if (!spec.paramKind.apiVersion) errs.push(fieldErrors.required('spec.paramKind.apiVersion'));
    else if (spec.paramKind.apiVersion.split('/').length > 2)
      errs.push(
        fieldErrors.invalid(
          'spec.paramKind.apiVersion',
          spec.paramKind.apiVersion,
          'an apiVersion must be of the form <group>/<version> or <version>',
        ),
      );
    if (!spec.paramKind.kind) errs.push(fieldErrors.required('spec.paramKind.kind'));
  }
  errs.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true));
  if (!spec.validations?.length && !spec.auditAnnotations?.length) {
    errs.push(
      fieldErrors.required('spec.validations', 'validations or auditAnnotations must contain at least one item'),
    );
  }
  const c = compilePolicy(policy);
  const seen = new Set<string>();
  (spec.matchConditions ?? []).forEach((m, i) => {
    const f = `spec.matchConditions[${i}]`;
    if (!m.name) errs.push(fieldErrors.required(`${f}.name`));
    else {
      for (const msg of isQualifiedName(m.name)) errs.push(fieldErrors.invalid(`${f}.name`, m.name, msg));
      if (seen.has(m.name)) errs.push(fieldErrors.duplicate(`${f}.name`, m.name));
      seen.add(m.name);
    }
    errs.push(...compileErrors(`${f}.expression`, m.expression, c.matchConditions[i].program));
  });
  const varNames = new Set<string>();
  (spec.variables ?? []).forEach((v, i) => {
    const f = `spec.variables[${i}]`;
    if (!v.name) errs.push(fieldErrors.required(`${f}.name`));
    else if (!/^[_a-zA-Z][_a-zA-Z0-9]*$/.test(v.name))
      errs.push(fieldErrors.invalid(`${f}.name`, v.name, 'name is not a valid CEL identifier'));
    else if (varNames.has(v.name)) errs.push(fieldErrors.duplicate(`${f}.name`, v.name));
    varNames.add(v.name);
    errs.push(...compileErrors(`${f}.expression`, v.expression, c.variables[i].program));
  });
  (spec.validations ?? []).forEach((v, i) => {
    const f = `spec.validations[${i}]`;
    errs.push(...compileErrors(`${f}.expression`, v.expression, c.validations[i].program));
    if (v.message !== undefined && /[\r\n]/.test(v.message))
      errs.push(fieldErrors.invalid(`${f}.message`, v.message, 'message must not contain line breaks'));
    if (v.messageExpression !== undefined)
      errs.push(...compileErrors(`${f}.messageExpression`, v.messageExpression, c.validations[i].messageExpression));
    if (v.reason !== undefined) errs.push(...validateEnum(`${f}.reason`, v.reason, REASONS));
  });
  const keys = new Set<string>();
  (spec.auditAnnotations ?? []).forEach((a, i) => {
    const f = `spec.auditAnnotations[${i}]`;
    if (!a.key) errs.push(fieldErrors.required(`${f}.key`));
    else {
      const full = `${policy.metadata?.name ?? ''}/${a.key}`;
      for (const msg of isQualifiedName(full)) errs.push(fieldErrors.invalid(`${f}.key`, a.key, msg));
      if (keys.has(a.key)) errs.push(fieldErrors.duplicate(`${f}.key`, a.key));
      keys.add(a.key);
    }
    errs.push(...compileErrors(`${f}.valueExpression`, a.valueExpression, c.auditAnnotations[i].program));
  });
  return errs;
}

/** Kubernetes' checks of a binding spec. */
export function validateBindingSpec(binding: ValidatingAdmissionPolicyBinding): FieldError[] {
  const spec = binding.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs: FieldError[] = [];
  if (!spec.policyName) errs.push(fieldErrors.required('spec.policyName'));
  const actions = spec.validationActions ?? [];
  if (actions.length === 0) errs.push(fieldErrors.required('spec.validationActions'));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(fieldErrors.notSupported(`spec.validationActions[${i}]`, a, ACTIONS));
    if (seen.has(a)) errs.push(fieldErrors.duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(
      fieldErrors.invalid(
        'spec.validationActions',
        actions,
        'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
      ),
    );
  }
  const ref = spec.paramRef;
  if (ref) {
    if (ref.name && ref.selector)
      errs.push(fieldErrors.forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'));
    if (!ref.name && !ref.selector)
      errs.push(fieldErrors.required('spec.paramRef', 'one of name or selector must be specified'));
    if (ref.selector) errs.push(...validateLabelSelector(ref.selector, 'spec.paramRef.selector'));
    errs.push(...validateEnum('spec.paramRef.parameterNotFoundAction', ref.parameterNotFoundAction, ['Allow', 'Deny']));
  }
  errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResources', false));
  return errs;
}

export const validatingAdmissionPolicyStrategy = defineKind<ValidatingAdmissionPolicy>({
  namespaced: false,
  defaults(p) {
    p.spec ??= {};
    p.spec.failurePolicy ??= 'Fail';
    if (p.spec.matchConstraints) defaultMatchResources(p.spec.matchConstraints);
  },
  validate: validatePolicySpec,
  columns: [
    nameColumn(),
    col('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
    col('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    ageColumn(),
  ],
  row: (p, now) => [
    nameOf(p),
    p.spec?.validations?.length ?? 0,
    p.spec?.paramKind ? `${p.spec.paramKind.apiVersion}/${p.spec.paramKind.kind}` : '<unset>',
    ageOf(p, now),
  ],
});

export const validatingAdmissionPolicyBindingStrategy = defineKind<ValidatingAdmissionPolicyBinding>({
  namespaced: false,
  defaults(b) {
    b.spec ??= {};
    if (b.spec.matchResources) defaultMatchResources(b.spec.matchResources);
  },
  validate: validateBindingSpec,
  columns: [
    nameColumn(),
    col('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
    col('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
    ageColumn(),
  ],
  row: (b, now) => {
    const ref = b.spec?.paramRef;
    const refText = !ref ? '<unset>' : ref.name ? `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}` : '*';
    return [nameOf(b), b.spec?.policyName ?? '', refText, ageOf(b, now)];
  },
});
