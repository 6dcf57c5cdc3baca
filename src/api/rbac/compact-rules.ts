import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';

/**
 * How Kubernetes lists the rules a user lacks in an escalation error
 * (pkg/registry/rbac/validation/policy_compact.go and rbacv1helpers.CompactString).
 */

/**
 * Merges "simple" rules (one group, one resource, at most one resource name, nothing else) of the
 * same group, resource and name into one rule with their verbs, first-seen order kept; other rules
 * pass unchanged and come first, as Kubernetes' CompactRules. Pure.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const key = simpleKey(rule);
    if (key === undefined) {
      compacted.push(rule);
      continue;
    }
    const existing = simple.get(key);
    if (!existing) {
      simple.set(key, { ...rule, verbs: [...(rule.verbs ?? [])] });
      continue;
    }
    const verbs = existing.verbs ?? [];
    for (const v of rule.verbs ?? []) if (!verbs.includes(v)) verbs.push(v);
    existing.verbs = verbs;
  }
  compacted.push(...simple.values());
  return compacted;
}

function simpleKey(rule: PolicyRule): string | undefined {
  const names = rule.resourceNames ?? [];
  if (names.length > 1 || (rule.nonResourceURLs ?? []).length > 0) return undefined;
  if ((rule.apiGroups ?? []).length !== 1 || (rule.resources ?? []).length !== 1) return undefined;
  return JSON.stringify([rule.apiGroups?.[0], rule.resources?.[0], names.length > 0, names[0] ?? '']);
}

/**
 * `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`: the fields that are set,
 * in Kubernetes' order, each list as Go's %q prints a []string.
 */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  const add = (label: string, list: readonly string[] | undefined) => {
    if (list && list.length > 0) parts.push(`${label}:${goQuoteList(list)}`);
  };
  add('APIGroups', rule.apiGroups);
  add('Resources', rule.resources);
  add('NonResourceURLs', rule.nonResourceURLs);
  add('ResourceNames', rule.resourceNames);
  add('Verbs', rule.verbs);
  return `{${parts.join(', ')}}`;
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}
