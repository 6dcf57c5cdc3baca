/**
 * The authorization contract, as Kubernetes' k8s.io/apiserver/pkg/authorization/authorizer:
 * attributes of a request, a decision with a reason, and rule listing for SelfSubjectRulesReview.
 * Implementations: `union.ts` (the chain), `privileged-group.ts` (system:masters), `rbac/`.
 *
 * Synchronous on purpose: every implementation here reads in-memory caches (watch cache or
 * informers), and authorization runs on every request, so no promise per request.
 */

/** The user a decision is about (Kubernetes' user.Info). A UserInfo from the authenticators fits. */
export interface AuthzUser {
  name: string;
  groups: readonly string[];
  uid?: string;
  extra?: Readonly<Record<string, readonly string[]>>;
}

/** A request on an API resource: `verb` is Kubernetes' (get, list, watch, create, update, patch, delete, deletecollection, or a special verb such as impersonate, escalate, bind, approve, use). */
export interface ResourceAttributes {
  resourceRequest: true;
  user: AuthzUser;
  verb: string;
  /** '' for the core group. */
  apiGroup: string;
  /** '' or '*' when unknown (SubjectAccessReview without a version). */
  apiVersion: string;
  resource: string;
  subresource: string;
  /** '' for cluster-scoped resources and requests across all namespaces. */
  namespace: string;
  /** '' for collections (list, watch, create, deletecollection) unless a `metadata.name` field selector pins it. */
  name: string;
}

/** A request on a non-resource path (`/healthz`, `/version`, `/apis`): `verb` is the lower-case HTTP method. */
export interface NonResourceAttributes {
  resourceRequest: false;
  user: AuthzUser;
  verb: string;
  path: string;
}

export type Attributes = ResourceAttributes | NonResourceAttributes;

export type Decision = 'allow' | 'deny' | 'noOpinion';

/**
 * What an authorizer answers. `reason` is shown to the user after the 403 message (may be '');
 * `error` says evaluation failed partway (for RBAC: a binding names a missing role) — the decision
 * still stands, as in Kubernetes, where errors never turn a no-opinion into an allow.
 */
export interface AuthorizationResult {
  decision: Decision;
  reason: string;
  error?: string;
}

export interface Authorizer {
  authorize(attributes: Attributes): AuthorizationResult;
  /** True when every request is allowed (AlwaysAllow): the request path then skips building attributes. */
  readonly allowsEverything?: boolean;
}

/** One resource rule as SelfSubjectRulesReview reports it. */
export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

/** One non-resource rule as SelfSubjectRulesReview reports it. */
export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RulesForResult {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  /** True when this resolver cannot list everything it would allow (the Node authorizer, webhooks). */
  incomplete: boolean;
  error?: string;
}

/** Lists the rules that apply to a user in a namespace (Kubernetes' authorizer.RuleResolver). */
export interface RuleResolver {
  rulesFor(user: AuthzUser, namespace: string): RulesForResult;
}

export const ALLOW: AuthorizationResult = Object.freeze({ decision: 'allow', reason: '' });
export const NO_OPINION: AuthorizationResult = Object.freeze({ decision: 'noOpinion', reason: '' });

/**
 * Kubernetes' utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated,
 * joined by ", " in brackets; undefined when there are none.
 */
export function aggregateErrors(messages: readonly string[]): string | undefined {
  if (messages.length === 0) return undefined;
  if (messages.length === 1) return messages[0];
  const seen = [...new Set(messages)];
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}
