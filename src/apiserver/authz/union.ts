import {
  aggregateErrors,
  type Attributes,
  type AuthorizationResult,
  type Authorizer,
  NO_OPINION,
  type AuthzUser,
  type NonResourceRuleInfo,
  type ResourceRuleInfo,
  type RuleResolver,
  type RulesForResult,
} from './authorizer.js';

/**
 * Kubernetes' union authorizer: asks each authorizer in order; the first allow or deny wins (with
 * its reason and error). When all have no opinion, the reasons given are joined by newlines and
 * the errors aggregated, so the 403 can say why (`RBAC: clusterrole... not found`).
 */
export function unionAuthorizer(...authorizers: Authorizer[]): Authorizer {
  return {
    authorize(attributes: Attributes): AuthorizationResult {
      // Allocated only when some authorizer gives a reason or an error (most answers have neither).
      let reasons: string[] | undefined;
      let errors: string[] | undefined;
      for (const a of authorizers) {
        const r = a.authorize(attributes);
        if (r.error) (errors ??= []).push(r.error);
        if (r.reason) (reasons ??= []).push(r.reason);
        if (r.decision !== 'noOpinion') return r;
      }
      if (reasons === undefined && errors === undefined) return NO_OPINION;
      reasons ??= [];
      const error = aggregateErrors(errors ?? []);
      return error === undefined
        ? { decision: 'noOpinion', reason: reasons.join('\n') }
        : { decision: 'noOpinion', reason: reasons.join('\n'), error };
    },
  };
}

/**
 * Kubernetes' union rule resolver: the rules of every resolver concatenated; incomplete when any
 * is; errors aggregated.
 */
export function unionRuleResolver(...resolvers: RuleResolver[]): RuleResolver {
  return {
    rulesFor(user: AuthzUser, namespace: string): RulesForResult {
      const resourceRules: ResourceRuleInfo[] = [];
      const nonResourceRules: NonResourceRuleInfo[] = [];
      const errors: string[] = [];
      let incomplete = false;
      for (const r of resolvers) {
        const out = r.rulesFor(user, namespace);
        if (out.incomplete) incomplete = true;
        if (out.error) errors.push(out.error);
        resourceRules.push(...out.resourceRules);
        nonResourceRules.push(...out.nonResourceRules);
      }
      const error = aggregateErrors(errors);
      return error === undefined
        ? { resourceRules, nonResourceRules, incomplete }
        : { resourceRules, nonResourceRules, incomplete, error };
    },
  };
}
