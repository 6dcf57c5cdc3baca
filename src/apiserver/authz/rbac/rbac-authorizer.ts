import { ruleAllows } from '../../../api/rbac/policy-rule.js';
import {
  aggregateErrors,
  type Attributes,
  type AuthorizationResult,
  type Authorizer,
  type AuthzUser,
  type NonResourceRuleInfo,
  type ResourceRuleInfo,
  type RuleResolver,
  type RulesForResult,
} from '../authorizer.js';
import type { RbacLister } from './rbac-lister.js';
import { rulesFor, visitRulesFor } from './rule-resolver.js';

/**
 * Kubernetes' RBAC authorizer (plugin/pkg/auth/authorizer/rbac): allows when any rule of the
 * user's bindings allows the request (reason `RBAC: allowed by <binding>`), stopping at the first;
 * otherwise no opinion, never deny, with `RBAC: <errors>` as reason when a binding's role was
 * missing. Also the rule resolver behind SelfSubjectRulesReview.
 */
export class RbacAuthorizer implements Authorizer, RuleResolver {
  /**
   * Decisions by request attributes, valid while the lister's version stays the same: a client
   * repeating one kind of request (a controller, a create loop) then costs one map read instead of
   * walking its bindings' rules. Cleared on any RBAC change and when full.
   */
  private readonly decisions = new Map<string, AuthorizationResult>();
  private decisionsVersion: number | undefined;

  constructor(private readonly lister: RbacLister) {}

  authorize(attributes: Attributes): AuthorizationResult {
    const version = this.lister.version?.();
    if (version === undefined) return this.decide(attributes);
    if (version !== this.decisionsVersion) {
      this.decisions.clear();
      this.decisionsVersion = version;
    }
    const key = decisionKey(attributes);
    let result = this.decisions.get(key);
    if (result === undefined) {
      result = this.decide(attributes);
      if (this.decisions.size >= MAX_REMEMBERED_DECISIONS) this.decisions.clear();
      this.decisions.set(key, result);
    }
    return result;
  }

  private decide(attributes: Attributes): AuthorizationResult {
    let allowedBy: string | undefined;
    const errors: string[] = [];
    visitRulesFor(this.lister, attributes.user, namespaceOf(attributes), (source, rule, error) => {
      if (rule && ruleAllows(attributes, rule)) {
        allowedBy = source?.describe() ?? '';
        return false;
      }
      if (error) errors.push(error);
      return true;
    });
    if (allowedBy !== undefined) return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy}` };
    const error = aggregateErrors(errors);
    return { decision: 'noOpinion', reason: error === undefined ? '' : `RBAC: ${error}` };
  }

  /** Resource and non-resource rules for SelfSubjectRulesReview; never incomplete. */
  rulesFor(user: AuthzUser, namespace: string): RulesForResult {
    const { rules, errors } = rulesFor(this.lister, user, namespace);
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    for (const r of rules) {
      if ((r.resources ?? []).length > 0) {
        resourceRules.push({
          verbs: [...(r.verbs ?? [])],
          apiGroups: [...(r.apiGroups ?? [])],
          resources: [...(r.resources ?? [])],
          resourceNames: [...(r.resourceNames ?? [])],
        });
      }
      if ((r.nonResourceURLs ?? []).length > 0)
        nonResourceRules.push({ verbs: [...(r.verbs ?? [])], nonResourceURLs: [...(r.nonResourceURLs ?? [])] });
    }
    const error = aggregateErrors(errors);
    return error === undefined
      ? { resourceRules, nonResourceRules, incomplete: false }
      : { resourceRules, nonResourceRules, incomplete: false, error };
  }
}

/** Enough for every kind of request a cluster's clients repeat; past it the memo starts over. */
const MAX_REMEMBERED_DECISIONS = 8192;

/**
 * Everything RBAC's decision depends on: user name, groups (in order; another order is another
 * key, never a wrong answer), verb and what is asked about. Uid and extra do not count in RBAC.
 * Each part is prefixed by its length, so no name (a SubjectAccessReview may send any text) can
 * make two different requests share a key.
 */
function decisionKey(a: Attributes): string {
  let key = `${part(a.user.name)}${a.user.groups.length}:`;
  for (const g of a.user.groups) key += part(g);
  key += part(a.verb);
  return a.resourceRequest
    ? `${key}r${part(a.apiGroup)}${part(a.resource)}${part(a.subresource)}${part(a.namespace)}${part(a.name)}`
    : `${key}n${part(a.path)}`;
}

function part(s: string): string {
  return `${s.length}.${s}`;
}

function namespaceOf(a: Attributes): string {
  return a.resourceRequest ? a.namespace : '';
}
