import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { labelSelectorFromObject } from '../selectors/label-selector.js';
import { ruleEquals, rulesEqual } from './policy-rule.js';

/**
 * The rules an aggregated ClusterRole should hold, as Kubernetes' clusterrole-aggregation
 * controller computes them: for each `aggregationRule.clusterRoleSelectors` entry in order, the
 * ClusterRoles whose labels match (sorted by name, the role itself skipped) contribute their
 * rules; a rule equal to one already taken is not added again.
 *
 * Returns undefined when the role has no aggregationRule (the controller leaves it alone).
 * A malformed selector throws the 400 ApiError of labelSelectorFromObject. Pure: the caller
 * compares the result with `role.rules` (see `aggregationChanged`) and writes only on a change.
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!role.aggregationRule) return undefined;
  const out: PolicyRule[] = [];
  const name = role.metadata?.name ?? '';
  for (const sel of selectors ?? []) {
    const selector = labelSelectorFromObject(sel);
    const matching = all
      .filter((r) => (r.metadata?.name ?? '') !== name && selector.matches(r.metadata?.labels ?? {}))
      .sort((a, b) => cmp(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    for (const r of matching) {
      for (const rule of r.rules ?? []) if (!out.some((x) => ruleEquals(x, rule))) out.push(rule);
    }
  }
  return out;
}

/** True when the aggregated rules differ from what the role holds now, so an update is due. */
export function aggregationChanged(role: ClusterRole, all: readonly ClusterRole[]): boolean {
  const want = aggregatedRules(role, all);
  return want !== undefined && !rulesEqual(want, role.rules);
}

/**
 * Applies aggregation to a whole set of ClusterRoles until nothing changes, the state the
 * aggregation controller converges to (edit aggregates into admin, view into edit: several rounds).
 * Returns new objects for changed roles; the input is not mutated. Used by tests and by callers that
 * need the effective policy before the controller has run (for instance to evaluate bootstrap roles).
 */
export function resolveAggregation(roles: readonly ClusterRole[]): ClusterRole[] {
  let current = roles.map((r) => r);
  for (let round = 0; round <= roles.length; round++) {
    let changed = false;
    current = current.map((r) => {
      const want = aggregatedRules(r, current);
      if (want === undefined || rulesEqual(want, r.rules)) return r;
      changed = true;
      return { ...r, rules: want };
    });
    if (!changed) break;
  }
  return current;
}

/** Byte-wise string order, as Go's sort of names. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
