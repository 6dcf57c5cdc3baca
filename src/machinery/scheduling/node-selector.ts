import type { NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';

/**
 * One requirement of a NodeSelectorTerm against a value (label value or field), as
 * nodeaffinity.NewNodeSelector: In/NotIn/Exists/DoesNotExist, and Gt/Lt comparing integers
 * (a missing or non-integer value never matches Gt/Lt). Pure.
 */
export function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]))
        return false;
      return req.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

/**
 * Whether a node (its labels and name) satisfies a term: every matchExpression on labels and every
 * matchField (only `metadata.name` is supported, as in Kubernetes) holds. A term with no
 * requirement matches nothing. Pure.
 */
export function termMatches(
  term: NodeSelectorTerm,
  labels: Readonly<Record<string, string>>,
  nodeName: string,
): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const e of exprs)
    if (!requirementMatches(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) return false;
  for (const f of fields) if (!requirementMatches(f, f.key === 'metadata.name' ? nodeName : undefined)) return false;
  return true;
}

/** The terms are ORed. Pure. */
export function anyTermMatches(
  terms: readonly NodeSelectorTerm[],
  labels: Readonly<Record<string, string>>,
  nodeName: string,
): boolean {
  return terms.some((t) => termMatches(t, labels, nodeName));
}
