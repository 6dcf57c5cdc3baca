/**
 * Compiling and running CEL expressions in Kubernetes' environment: the one entry point for CRD
 * validation rules, ValidatingAdmissionPolicy and webhook matchConditions.
 *
 *   compileCel(expr, {self: 'map<string, dyn>'})  -> {ok, program} | {ok: false, error}
 *   program.cost(shapes)                          -> estimated cost (schema sizes) / runtime cost
 *   program.evaluate({self: toCel(obj, schema)})  -> {value} | {error}
 *
 * Environments (cel-js parses declarations and signatures when they are made) are built once per
 * set of variable declarations and kept.
 */
import { type ASTNode, Environment } from '@marcbachmann/cel-js';
import { estimateCost, PER_CALL_LIMIT, type SizeShape, UNBOUNDED } from './cost.js';
import { registerKubernetesLibraries } from './libraries.js';

/** Declared variables: name to CEL type (`dyn`, `int`, `map<string, dyn>`, `list<string>`...). */
export type CelVariables = Record<string, string>;

export interface CelProgram {
  readonly expression: string;
  /** The checked result type ('dyn' when it depends on the input). */
  readonly type: string;
  readonly ast: ASTNode;
  /** Cost with the sizes the variables may have (schema shapes) or have (value shapes). */
  cost(shapes: Record<string, SizeShape | undefined>): number;
  /**
   * Evaluates with values for the declared variables (CEL values: see toCel). Never throws: an
   * error of the expression (no such key, no matching overload, over the cost limit) is returned
   * with Kubernetes' wording. `costLimit` bounds the runtime cost (Kubernetes' per-call limit by
   * default), checked before evaluating with the actual sizes of `shapes`.
   */
  evaluate(
    activation: Record<string, unknown>,
    options?: { shapes?: Record<string, SizeShape | undefined>; costLimit?: number },
  ): { value: unknown; cost?: number } | { error: string; cost?: number };
}

export type CompileResult = { ok: true; program: CelProgram } | { ok: false; error: string };

export interface CompileOptions {
  /** The result type required ('bool' for rules and validations, 'string' for messages). */
  resultType?: 'bool' | 'string';
  /** Object types the variables' types name (see schema-types.ts), declared with them. */
  types?: { key: string; register(env: Environment): void };
  /** The error when the checked type is another ('must evaluate to bool' by default, as admission policies say). */
  resultTypeError?: string;
}

const base = registerKubernetesLibraries(
  new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false }),
);
const environments = new Map<string, Environment>();
const MAX_ENVIRONMENTS = 256;

function environmentFor(variables: CelVariables, types?: CompileOptions['types']): Environment {
  const key = `${types?.key ?? ''}|${Object.entries(variables)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([n, t]) => `${n}:${t}`)
    .join(',')}`;
  let env = environments.get(key);
  if (!env) {
    env = base.clone();
    types?.register(env);
    for (const [name, type] of Object.entries(variables)) env.registerVariable(name, type);
    if (environments.size >= MAX_ENVIRONMENTS) environments.clear();
    environments.set(key, env);
  }
  return env;
}

/**
 * Compiles (parses and type-checks) `expression` with `variables` declared. Errors read as
 * Kubernetes prints them: `compilation failed: ERROR: <input>:1:4: Syntax error: ...`. Pure apart
 * from the environment cache.
 */
export function compileCel(expression: string, variables: CelVariables, options: CompileOptions = {}): CompileResult {
  let env: Environment;
  try {
    env = environmentFor(variables, options.types);
  } catch (e) {
    return { ok: false, error: `compilation failed: ${(e as Error).message}` };
  }
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(expression);
  } catch (e) {
    return { ok: false, error: compileErrorText(expression, e, 'Syntax error: ') };
  }
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, error: compileErrorText(expression, checked.error, '') };
  const type = checked.type ?? 'dyn';
  if (options.resultType && type !== options.resultType && type !== 'dyn') {
    return {
      ok: false,
      error: options.resultTypeError ?? `must evaluate to ${options.resultType}`,
    };
  }
  const ast = parsed.ast;
  // The cost with every variable as large as a request allows: when even that is within a limit,
  // the per-evaluation check with the actual sizes is skipped (most expressions have no loops).
  let worstCost: number | undefined;
  const worst = () =>
    (worstCost ??= estimateCost(ast, Object.fromEntries(Object.keys(variables).map((v) => [v, UNBOUNDED]))));
  const program: CelProgram = {
    expression,
    type,
    ast,
    cost: (shapes) => estimateCost(ast, shapes),
    evaluate(activation, opts = {}) {
      let cost: number | undefined;
      if (opts.shapes && worst() > (opts.costLimit ?? PER_CALL_LIMIT)) {
        cost = estimateCost(ast, opts.shapes);
        if (cost > (opts.costLimit ?? PER_CALL_LIMIT))
          return { error: 'operation cancelled: actual cost limit exceeded', cost };
      }
      const withCost = <T extends object>(r: T) => (cost === undefined ? r : { ...r, cost });
      try {
        const value = parsed(activation);
        if (value instanceof Promise) return withCost({ error: 'asynchronous functions are not allowed' });
        if (options.resultType === 'bool' && typeof value !== 'boolean')
          return withCost({ error: 'rule did not evaluate to a bool' });
        if (options.resultType === 'string' && typeof value !== 'string')
          return withCost({ error: 'messageExpression did not evaluate to a string' });
        return withCost({ value });
      } catch (e) {
        return withCost({ error: runtimeErrorText(e) });
      }
    },
  };
  return { ok: true, program };
}

/** cel-go's report form: `ERROR: <input>:LINE:COL: message`, then the line and a caret. */
function compileErrorText(expression: string, err: unknown, prefix: string): string {
  const e = err as { summary?: string; message?: string; range?: { start: number } };
  const summary = (e.summary ?? e.message ?? String(err)).split('\n')[0];
  const pos = e.range?.start ?? 0;
  const before = expression.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - (before.lastIndexOf('\n') + 1);
  const text = expression.split('\n')[line - 1] ?? '';
  return `compilation failed: ERROR: <input>:${line}:${col + 1}: ${prefix}${summary}\n | ${text}\n | ${'.'.repeat(col)}^`;
}

/** A runtime error's first line in cel-go's lower-case style (`no such key: x`). */
function runtimeErrorText(err: unknown): string {
  const e = err as { summary?: string; message?: string };
  const summary = (e.summary ?? e.message ?? String(err)).split('\n')[0];
  const noKey = /^No such key: (.*)$/.exec(summary);
  if (noKey) return `no such key: ${noKey[1]}`;
  return summary;
}
