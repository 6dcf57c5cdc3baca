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
  constructor(private readonly lister: RbacLister) {}

  authorize(attributes: Attributes): AuthorizationResult {
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

function namespaceOf(a: Attributes): string {
  return a.resourceRequest ? a.namespace : '';
}
