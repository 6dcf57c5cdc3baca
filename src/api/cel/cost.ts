/**
 * Cost of a CEL expression, in the units of cel-go's estimator that Kubernetes limits
 * (k8s.io/apiserver/pkg/apis/cel/config.go): a variable or field access costs 1, a function call 1
 * plus its arguments, a string traversal a tenth of the string's length, a comprehension its range
 * times its body. The same walk serves two purposes:
 * - estimated cost: sizes come from the schema (maxLength, maxItems, maxProperties; unbounded sizes
 *   from the largest request the API server accepts), checked when a rule or policy is written;
 * - runtime cost: sizes come from the actual values, computed before evaluating, so an expression
 *   too expensive for the data in hand is refused before it runs (an upper bound of cel-go's actual
 *   cost, which it counts while evaluating).
 */
import type { ASTNode } from '@marcbachmann/cel-js';

/** Kubernetes' limits (apiserver/pkg/apis/cel): one expression, one CRD rule set, one request. */
export const PER_CALL_LIMIT = 1_000_000;
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;
/** The largest request body Kubernetes accepts: the bound of every unbounded size. */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;

const STRING_TRAVERSAL_FACTOR = 0.1;

/**
 * What the estimator knows of a value's size: `size` is the largest length (characters of a string,
 * items of a list, entries of a map); `field`/`items` give the shape of what is inside.
 */
export interface SizeShape {
  size: number;
  /** Undefined: a scalar, or nothing known (costed as size 0). */
  field(name: string): SizeShape | undefined;
  items(): SizeShape | undefined;
}

/** A value whose size nothing bounds but the request size (a variable without a schema). */
export const UNBOUNDED: SizeShape = {
  size: MAX_REQUEST_SIZE_BYTES,
  field: () => UNBOUNDED,
  items: () => UNBOUNDED,
};

/** A shape of a literal or computed value of known size. */
function sized(size: number, inner?: SizeShape): SizeShape {
  return { size, field: () => inner, items: () => inner };
}

interface Estimate {
  cost: number;
  shape: SizeShape | undefined;
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const LINEAR_STRING_FUNCTIONS = new Set([
  'contains',
  'startsWith',
  'endsWith',
  'indexOf',
  'lastIndexOf',
  'lowerAscii',
  'upperAscii',
  'trim',
  'replace',
  'split',
  'substring',
  'charAt',
  'reverse',
  'join',
  'format',
  'quantity',
  'isQuantity',
  'url',
  'isURL',
  'ip',
  'isIP',
  'cidr',
  'isCIDR',
]);
const REGEX_FUNCTIONS = new Set(['matches', 'find', 'findAll']);
const LIST_TRAVERSALS = new Set(['isSorted', 'sum', 'min', 'max', 'indexOf', 'lastIndexOf', 'join']);

/**
 * The cost of `ast` with the shapes of its variables (undefined: size unknown, bounded by the
 * largest request). Pure.
 */
export function estimateCost(ast: ASTNode, variables: Record<string, SizeShape | undefined>): number {
  return Math.ceil(walk(ast, new Map(Object.entries(variables))).cost);
}

function walk(node: ASTNode, scope: Map<string, SizeShape | undefined>): Estimate {
  const n = node as { op: string; args: unknown };
  switch (n.op) {
    case 'value': {
      const v = n.args;
      return { cost: 0, shape: typeof v === 'string' ? sized(v.length) : undefined };
    }
    case 'id':
      return { cost: 1, shape: scope.get(n.args as string) };
    case '.':
    case '.?': {
      const [obj, field] = n.args as [ASTNode, string];
      const o = walk(obj, scope);
      return { cost: o.cost + 1, shape: o.shape?.field(field) };
    }
    case '[]':
    case '[?]': {
      const [obj, idx] = n.args as [ASTNode, ASTNode];
      const o = walk(obj, scope);
      const i = walk(idx, scope);
      const key = (idx as { op: string; args: unknown }).op === 'value' ? (idx as { args: unknown }).args : undefined;
      const shape = typeof key === 'string' ? o.shape?.field(key) : o.shape?.items();
      return { cost: o.cost + i.cost + 1, shape };
    }
    case 'list': {
      const items = (n.args as ASTNode[]).map((a) => walk(a, scope));
      return { cost: 10 + sum(items), shape: sized(items.length, items[0]?.shape) };
    }
    case 'map': {
      const entries = (n.args as [ASTNode, ASTNode][]).map(([k, v]) => [walk(k, scope), walk(v, scope)]);
      return { cost: 30 + entries.reduce((a, [k, v]) => a + k.cost + v.cost, 0), shape: sized(entries.length) };
    }
    case '&&':
    case '||':
    case '?:': {
      const parts = (n.args as ASTNode[]).map((a) => walk(a, scope));
      return { cost: sum(parts), shape: parts[parts.length - 1]?.shape };
    }
    case '!_':
    case '-_': {
      const a = walk(n.args as ASTNode, scope);
      return { cost: a.cost + 1, shape: undefined };
    }
    case 'call':
      return call(n.args as [string, ASTNode[]], undefined, scope);
    case 'rcall': {
      const [name, receiver, args] = n.args as [string, ASTNode, ASTNode[]];
      if (MACROS.has(name) && args.length >= 2) return comprehension(receiver, args, scope);
      if (name === 'bind' && args.length === 3) {
        const value = walk(args[1], scope);
        const inner = new Map(scope).set(identName(args[0]), value.shape);
        const body = walk(args[2], inner);
        return { cost: value.cost + body.cost, shape: body.shape };
      }
      return call([name, args], receiver, scope);
    }
    default: {
      // binary operators
      const [a, b] = (n.args as ASTNode[]).map((x) => walk(x, scope));
      let cost = a.cost + b.cost + 1;
      if (n.op === '+' && a.shape && b.shape) {
        cost += Math.ceil((a.shape.size + b.shape.size) * STRING_TRAVERSAL_FACTOR);
        return { cost, shape: sized(a.shape.size + b.shape.size, a.shape.items()) };
      }
      if ((n.op === '==' || n.op === '!=') && a.shape && b.shape)
        cost += Math.ceil(Math.min(a.shape.size, b.shape.size) * STRING_TRAVERSAL_FACTOR);
      if (n.op === 'in' && b.shape) cost += b.shape.size;
      return { cost, shape: undefined };
    }
  }
}

function call(
  [name, args]: [string, ASTNode[]],
  receiver: ASTNode | undefined,
  scope: Map<string, SizeShape | undefined>,
): Estimate {
  if (name === 'has' && !receiver) return { cost: 1 + (args[0] ? walk(args[0], scope).cost - 1 : 0), shape: undefined };
  const r = receiver ? walk(receiver, scope) : undefined;
  const a = args.map((x) => walk(x, scope));
  const base = (r?.cost ?? 0) + sum(a) + 1;
  const subject = r?.shape ?? a[0]?.shape;
  const size = subject?.size ?? 0;
  if (REGEX_FUNCTIONS.has(name)) {
    const pattern = (receiver ? a[0] : a[1])?.shape?.size ?? 1;
    return {
      cost: base + Math.ceil(size * STRING_TRAVERSAL_FACTOR) * Math.max(1, Math.ceil(pattern * 0.25)),
      shape: name === 'findAll' ? sized(size) : subject,
    };
  }
  if (r && LIST_TRAVERSALS.has(name) && subject) return { cost: base + size, shape: undefined };
  if (LINEAR_STRING_FUNCTIONS.has(name))
    return { cost: base + Math.ceil(size * STRING_TRAVERSAL_FACTOR), shape: subject };
  return { cost: base, shape: name === 'size' ? undefined : undefined };
}

function comprehension(receiver: ASTNode, args: ASTNode[], scope: Map<string, SizeShape | undefined>): Estimate {
  const range = walk(receiver, scope);
  const n = range.shape?.size ?? MAX_REQUEST_SIZE_BYTES;
  const inner = new Map(scope).set(identName(args[0]), range.shape?.items());
  const body = args.slice(1).reduce((acc, a) => acc + walk(a, inner).cost, 0);
  return { cost: range.cost + n * (body + 1), shape: sized(n) };
}

function identName(node: ASTNode): string {
  const n = node as { op: string; args: unknown };
  return n.op === 'id' ? (n.args as string) : '';
}

function sum(parts: Estimate[]): number {
  return parts.reduce((a, p) => a + p.cost, 0);
}

/**
 * Kubernetes' text for a cost over its limit ("estimated rule cost exceeds budget by factor of
 * 1.5x (try simplifying the rule, ...)"): `costName` says which cost.
 */
export function costErrorMessage(costName: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const shown = factor > 100 ? 'more than 100x' : factor < 1.5 ? `${factor.toFixed(6)}x` : `${factor.toFixed(1)}x`;
  return `${costName} exceeds budget by factor of ${shown} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}
