import {
  ALLOW,
  type Attributes,
  type AuthorizationResult,
  type Authorizer,
  type RuleResolver,
  type RulesForResult,
} from './authorizer.js';

/**
 * Kubernetes' AlwaysAllow mode: every request is allowed, and the rules of anyone are everything
 * (`*` on every resource and non-resource path), so `kubectl auth can-i` answers yes and
 * `--list` shows one all-powerful rule.
 */
export function alwaysAllowAuthorizer(): Authorizer & RuleResolver {
  return {
    allowsEverything: true,
    authorize(_attributes: Attributes): AuthorizationResult {
      return ALLOW;
    },
    rulesFor(): RulesForResult {
      return {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
    },
  };
}
