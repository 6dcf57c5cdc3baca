/**
 * Whether a request falls under a policy's matchConstraints or a binding's matchResources
 * (Kubernetes' admission/plugin/policy/matching): resource rules minus exclusions, the namespace
 * and object label selectors. Pure.
 */
import type { MatchResources } from 'kubernetes-types/admissionregistration/v1.js';
import type { NamedRuleWithOperations } from '../../../api/kinds/validating-admission-policy.js';
import { selectorMatches } from '../../../api/validation/label-selector.js';

/** What matching looks at of a request. */
export interface MatchAttributes {
  /** CREATE, UPDATE, DELETE, CONNECT. */
  operation: string;
  group: string;
  version: string;
  /** The plural resource name. */
  resource: string;
  subresource: string;
  namespaced: boolean;
  name: string;
  namespace: string;
  /** Labels of the namespace the object is in (of the Namespace itself for a Namespace). */
  namespaceLabels: Record<string, string> | undefined;
  objectLabels: Record<string, string> | undefined;
  oldObjectLabels: Record<string, string> | undefined;
  /** A Namespace object is matched by namespaceSelector on its own labels. */
  isNamespace: boolean;
}

function listed(list: string[] | undefined, value: string): boolean {
  return !!list && (list.includes('*') || list.includes(value));
}

function resourceListed(resources: string[] | undefined, resource: string, subresource: string): boolean {
  const full = subresource ? `${resource}/${subresource}` : resource;
  for (const r of resources ?? []) {
    if (r === '*/*' || r === full) return true;
    if (r === '*' && !subresource) return true;
    const [res, sub] = r.split('/');
    if (sub === '*' && subresource && res === resource) return true;
    if (res === '*' && sub === subresource && subresource) return true;
  }
  return false;
}

/** One rule against a request; `equivalent` (matchPolicy Equivalent) lets any version of the group/resource match. */
export function ruleMatches(rule: NamedRuleWithOperations, a: MatchAttributes, equivalent: boolean): boolean {
  if (!listed(rule.operations, a.operation)) return false;
  if (!listed(rule.apiGroups, a.group)) return false;
  if (!equivalent && !listed(rule.apiVersions, a.version)) return false;
  if (!rule.apiVersions?.length) return false;
  if (!resourceListed(rule.resources, a.resource, a.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && a.namespaced) return false;
  if (scope === 'Namespaced' && !a.namespaced) return false;
  if (rule.resourceNames?.length && !rule.resourceNames.includes(a.name)) return false;
  return true;
}

/**
 * Whether `m` selects the request. `rulesRequired` false (a binding's matchResources): no resource
 * rules select every resource the policy matched. Undefined `m` matches everything.
 */
export function matchesResources(m: MatchResources | undefined, a: MatchAttributes, rulesRequired: boolean): boolean {
  if (!m) return true;
  const equivalent = (m.matchPolicy ?? 'Equivalent') === 'Equivalent';
  const rules = (m.resourceRules ?? []) as NamedRuleWithOperations[];
  if (rules.length > 0 || rulesRequired) {
    if (!rules.some((r) => ruleMatches(r, a, equivalent))) return false;
  }
  if (((m.excludeResourceRules ?? []) as NamedRuleWithOperations[]).some((r) => ruleMatches(r, a, equivalent)))
    return false;
  const ns = m.namespaceSelector ?? {};
  if ((a.namespaced || a.isNamespace) && !selectorMatches(ns, a.namespaceLabels)) return false;
  const os = m.objectSelector ?? {};
  if (!selectorMatches(os, a.objectLabels) && !(a.oldObjectLabels && selectorMatches(os, a.oldObjectLabels)))
    return false;
  return true;
}
