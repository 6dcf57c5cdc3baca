import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';

/**
 * How one RBAC PolicyRule matches a request and how rule sets compare, as Kubernetes'
 * `pkg/apis/rbac/v1/evaluation_helpers.go` and `pkg/registry/rbac/validation/policy_comparator.go`.
 * Pure functions over plain rule objects; the authorizer, the aggregation controller and the
 * bootstrap reconciler all share them.
 */

export const VERB_ALL = '*';
export const API_GROUP_ALL = '*';
export const RESOURCE_ALL = '*';
export const NON_RESOURCE_ALL = '*';

/** True when the rule lists `*` or the verb itself. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs ?? []) if (v === VERB_ALL || v === verb) return true;
  return false;
}

/** True when the rule lists `*` or the group itself ('' is the core group). */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? []) if (g === API_GROUP_ALL || g === group) return true;
  return false;
}

/**
 * True when a rule resource covers the request. `combined` is `resource` or `resource/subresource`;
 * a rule entry matches when it is `*`, equals `combined`, or is `* /subresource` (without the
 * space) for the request's subresource. `pods` alone never matches `pods/log`.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === RESOURCE_ALL || r === combined) return true;
    if (subresource === '') continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/**
 * True when the rule has no resourceNames, or lists the requested name. A request without a name
 * (create, list, watch, deletecollection without a `metadata.name` field selector) never matches
 * a rule that names resources.
 */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return names.includes(name);
}

/** True when a rule URL is `*`, equals the path, or ends in `*` and is a prefix of the path. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === NON_RESOURCE_ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimRightStars(u))) return true;
  }
  return false;
}

function trimRightStars(s: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === '*') end--;
  return s.slice(0, end);
}

/** What a rule is matched against: a resource request or a non-resource path. */
export type RuleRequest =
  | {
      resourceRequest: true;
      verb: string;
      apiGroup: string;
      resource: string;
      subresource: string;
      name: string;
    }
  | { resourceRequest: false; verb: string; path: string };

/** Kubernetes' rbac.RuleAllows: does this one rule allow the request? */
export function ruleAllows(req: RuleRequest, rule: PolicyRule): boolean {
  if (req.resourceRequest) {
    const combined = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
    return (
      verbMatches(rule, req.verb) &&
      apiGroupMatches(rule, req.apiGroup) &&
      resourceMatches(rule, combined, req.subresource) &&
      resourceNameMatches(rule, req.name)
    );
  }
  return verbMatches(rule, req.verb) && nonResourceURLMatches(rule, req.path);
}

/** True when any of the rules allows the request (Kubernetes' rbac.RulesAllow). */
export function rulesAllow(req: RuleRequest, rules: readonly PolicyRule[]): boolean {
  for (const r of rules) if (ruleAllows(req, r)) return true;
  return false;
}

/**
 * Splits a rule into rules of one verb, one group, one resource and at most one resource name
 * (resource part), and one verb with one URL (non-resource part). Kubernetes' breakdownRule.
 */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length > 0) {
          for (const n of names)
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

function hasAll(set: readonly string[], wanted: readonly string[]): boolean {
  const owning = new Set(set);
  for (const w of wanted) if (!owning.has(w)) return false;
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  if (owner === sub) return true;
  return owner.endsWith('*') && sub.startsWith(trimRightStars(owner));
}

/**
 * Kubernetes' resourceCoversAll: `*`, the resource itself, or `* /sub` (without the space) for a
 * `resource/sub` entry.
 */
function resourcesCoverAll(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(RESOURCE_ALL)) return true;
  for (const path of wanted) {
    if (owner.includes(path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0 || !owner.includes(`*${path.slice(slash)}`)) return false;
  }
  return true;
}

/** Does the owner rule cover a broken-down subrule (Kubernetes' ruleCovers)? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ov = owner.verbs ?? [];
  const og = owner.apiGroups ?? [];
  const or = owner.resources ?? [];
  const on = owner.resourceNames ?? [];
  const ou = owner.nonResourceURLs ?? [];
  const verbOk = ov.includes(VERB_ALL) || hasAll(ov, sub.verbs ?? []);
  const groupOk = og.includes(API_GROUP_ALL) || hasAll(og, sub.apiGroups ?? []);
  const resourceOk = resourcesCoverAll(or, sub.resources ?? []);
  const urlOk = (sub.nonResourceURLs ?? []).every((p) => ou.some((o) => nonResourceURLCovers(o, p)));
  const subNames = sub.resourceNames ?? [];
  const nameOk = subNames.length === 0 ? on.length === 0 : on.length === 0 || hasAll(on, subNames);
  return verbOk && groupOk && resourceOk && nameOk && urlOk;
}

/**
 * Whether `owner` rules grant everything `servant` rules grant; `uncovered` lists the broken-down
 * servant rules no owner rule covers (Kubernetes' validation.Covers). Used by reconciliation
 * (missing and extra rules) and, later, by the escalation check on role writes.
 */
export function covers(
  owner: readonly PolicyRule[],
  servant: readonly PolicyRule[],
): { covered: boolean; uncovered: PolicyRule[] } {
  const uncovered: PolicyRule[] = [];
  for (const s of servant) {
    for (const sub of breakdownRule(s)) {
      if (!owner.some((o) => ruleCovers(o, sub))) uncovered.push(sub);
    }
  }
  return { covered: uncovered.length === 0, uncovered };
}

/**
 * Equality of two rules as Kubernetes' semantic DeepEqual sees them: field by field, order kept,
 * an absent list equal to an empty one.
 */
export function ruleEquals(a: PolicyRule, b: PolicyRule): boolean {
  return (
    listEq(a.verbs, b.verbs) &&
    listEq(a.apiGroups, b.apiGroups) &&
    listEq(a.resources, b.resources) &&
    listEq(a.resourceNames, b.resourceNames) &&
    listEq(a.nonResourceURLs, b.nonResourceURLs)
  );
}

function listEq(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Rule lists equal element by element (ruleEquals), in order. */
export function rulesEqual(a: readonly PolicyRule[] | undefined, b: readonly PolicyRule[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!ruleEquals(x[i], y[i])) return false;
  return true;
}
