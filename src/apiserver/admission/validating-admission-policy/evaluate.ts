/**
 * One policy evaluated for one binding (and one param), as Kubernetes' CEL validator does:
 * matchConditions first (any false: the policy does not apply), then every validation, then the
 * audit annotations. Variables are evaluated lazily, once, when an expression reads them. Pure:
 * returns decisions as data; the plugin turns them into a refusal, warnings or audit annotations.
 */
import type { CelProgram } from '../../../api/cel/index.js';
import { PER_CALL_LIMIT, valueShape } from '../../../api/cel/index.js';
import type { CompiledPolicy } from '../../../api/kinds/validating-admission-policy.js';

/** The expression variables besides `variables`: CEL values (see toCel). */
export interface PolicyActivation {
  object: unknown;
  oldObject: unknown;
  request: unknown;
  params: unknown;
  namespaceObject: unknown;
}

export type Decision =
  | { kind: 'fail'; index: number; message: string; reason: string }
  /** An error of the policy (compile, runtime, configuration): handled by failurePolicy. */
  | { kind: 'error'; message: string };

export interface EvaluationResult {
  /** False when a matchCondition was false: nothing else was evaluated. */
  matched: boolean;
  decisions: Decision[];
  /** Audit annotations by key (the policy name is prefixed by the plugin). */
  auditAnnotations: Record<string, string>;
}

function run(
  program: CelProgram | string,
  activation: Record<string, unknown>,
): { value: unknown } | { error: string } {
  if (typeof program === 'string') return { error: `compilation error: ${program}` };
  const shapes: Record<string, ReturnType<typeof valueShape>> = {};
  for (const k of ['object', 'oldObject', 'params', 'namespaceObject', 'request'])
    shapes[k] = valueShape(activation[k]);
  return program.evaluate(activation, { shapes, costLimit: PER_CALL_LIMIT });
}

/** Evaluates `policy` with `input`. Never throws. */
export function evaluatePolicy(policy: CompiledPolicy, input: PolicyActivation): EvaluationResult {
  const variables: Record<string, unknown> = {};
  const activation: Record<string, unknown> = { ...input, variables, authorizer: null };
  for (const v of policy.variables) {
    let state: { value: unknown } | { error: string } | undefined;
    Object.defineProperty(variables, v.name, {
      enumerable: true,
      get() {
        state ??= run(v.program, activation);
        if ('error' in state) throw new Error(state.error);
        return state.value;
      },
    });
  }
  const result: EvaluationResult = { matched: true, decisions: [], auditAnnotations: {} };
  for (const m of policy.matchConditions) {
    const r = run(m.program, activation);
    if ('error' in r) {
      result.decisions.push({ kind: 'error', message: `matchCondition '${m.name}' resulted in error: ${r.error}` });
      return result;
    }
    if (r.value !== true) return { matched: false, decisions: [], auditAnnotations: {} };
  }
  policy.validations.forEach((v, index) => {
    const r = run(v.program, activation);
    if ('error' in r) {
      result.decisions.push({ kind: 'error', message: `expression '${v.expression}' resulted in error: ${r.error}` });
      return;
    }
    if (r.value === true) return;
    let message = v.message || `failed expression: ${v.expression.trim()}`;
    if (v.messageExpression !== undefined) {
      const m = run(v.messageExpression, activation);
      if ('value' in m && typeof m.value === 'string' && m.value.trim() !== '' && !/[\r\n]/.test(m.value))
        message = m.value;
    }
    result.decisions.push({ kind: 'fail', index, message, reason: v.reason });
  });
  for (const a of policy.auditAnnotations) {
    const r = run(a.program, activation);
    if ('error' in r)
      result.decisions.push({
        kind: 'error',
        message: `valueExpression for key '${a.key}' resulted in error: ${r.error}`,
      });
    else if (typeof r.value === 'string') result.auditAnnotations[a.key] = r.value;
  }
  return result;
}
