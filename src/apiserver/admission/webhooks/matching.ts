/**
 * Which webhooks a request goes to, as kube-apiserver's webhook predicates decide it: rules
 * (operations, apiGroups, apiVersions, resources with subresources and wildcards, scope) with
 * matchPolicy Exact or Equivalent, then the namespaceSelector and the objectSelector. Pure: the
 * caller passes the served resources and the namespace's labels.
 */
import type { ResourceType } from '../../../api/resource-type.js';
import type { Webhook, WebhookRule } from '../../../api/kinds/webhook-configuration.js';
import { selectorMatches } from '../../../api/validation/label-selector.js';

export type WebhookOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The request as rules see it. */
export interface MatchAttributes {
  operation: WebhookOperation;
  rt: ResourceType;
  subresource: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
}

/** Rule.Matches for one rule and one resource. */
export function ruleMatches(rule: WebhookRule, a: MatchAttributes, rt: ResourceType = a.rt): boolean {
  const ops = rule.operations ?? [];
  if (!ops.includes('*') && !ops.includes(a.operation)) return false;
  const groups = rule.apiGroups ?? [];
  if (!groups.includes('*') && !groups.includes(rt.group)) return false;
  const versions = rule.apiVersions ?? [];
  if (!versions.includes('*') && !versions.includes(rt.version)) return false;
  if (!resourceMatches(rule.resources ?? [], rt.plural, a.subresource)) return false;
  return scopeMatches(rule.scope ?? '*', a);
}

function resourceMatches(resources: readonly string[], resource: string, subresource: string): boolean {
  for (const r of resources) {
    if (r === '*/*') return true;
    const slash = r.indexOf('/');
    if (slash < 0) {
      if (subresource === '' && (r === '*' || r === resource)) return true;
      continue;
    }
    const res = r.slice(0, slash);
    const sub = r.slice(slash + 1);
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
  }
  return false;
}

/** A Namespace object is cluster-scoped; anything else by the request's namespace. */
function scopeMatches(scope: string, a: MatchAttributes): boolean {
  const isNamespace = a.rt.group === '' && a.rt.plural === 'namespaces';
  if (scope === 'Cluster') return isNamespace || a.namespace === '';
  if (scope === 'Namespaced') return !isNamespace && a.namespace !== '';
  return true;
}

/**
 * The resource a webhook is called with: the request's own when a rule names it, else (matchPolicy
 * Equivalent) a served version of the same resource that a rule names (same storage: autoscaling
 * v1/v2 HorizontalPodAutoscalers, core/events.k8s.io Events); undefined when the webhook does not match.
 */
export function matchingResource(
  hook: Webhook,
  a: MatchAttributes,
  served: readonly ResourceType[],
): ResourceType | undefined {
  const rules = hook.rules ?? [];
  if (rules.some((r) => ruleMatches(r, a))) return a.rt;
  if ((hook.matchPolicy ?? 'Equivalent') !== 'Equivalent') return undefined;
  for (const other of served) {
    if (other === a.rt || other.storagePrefix !== a.rt.storagePrefix) continue;
    if (a.subresource && !other.subresources.includes(a.subresource)) continue;
    if (rules.some((r) => ruleMatches(r, a, other))) return other;
  }
  return undefined;
}

/**
 * namespaceSelector: on a namespaced object the labels of its namespace, on a Namespace its own;
 * other cluster-scoped objects always match. `namespaceLabels` is only asked when needed.
 */
export function namespaceSelectorMatches(
  hook: Webhook,
  a: MatchAttributes,
  objectLabels: Record<string, string> | undefined,
  namespaceLabels: () => Record<string, string> | undefined,
): boolean {
  const sel = hook.namespaceSelector;
  if (!sel || isEmptySelector(sel)) return true;
  if (a.rt.group === '' && a.rt.plural === 'namespaces') return selectorMatches(sel, objectLabels);
  if (a.namespace === '') return true;
  return selectorMatches(sel, namespaceLabels() ?? {});
}

/** objectSelector: the new or the old object's labels match (a create has no old one, a delete no new one). */
export function objectSelectorMatches(
  hook: Webhook,
  labels: Record<string, string> | undefined,
  oldLabels: Record<string, string> | undefined,
): boolean {
  const sel = hook.objectSelector;
  if (!sel || isEmptySelector(sel)) return true;
  return (
    (labels !== undefined && selectorMatches(sel, labels)) ||
    (oldLabels !== undefined && selectorMatches(sel, oldLabels))
  );
}

function isEmptySelector(sel: { matchLabels?: object; matchExpressions?: unknown[] }): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}
