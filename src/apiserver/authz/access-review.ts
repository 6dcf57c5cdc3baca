import type {
  NonResourceRule,
  SubjectAccessReviewSpec,
  SubjectAccessReviewStatus,
} from 'kubernetes-types/authorization/v1.js';
import type { Attributes, AuthorizationResult, AuthzUser, RuleResolver } from './authorizer.js';

/**
 * The pure parts of the authorization.k8s.io review APIs: SubjectAccessReview (and its Local and
 * Self variants: same attributes, a different user source), SelfSubjectRulesReview.
 */

/**
 * Attributes of a SubjectAccessReview spec (Kubernetes' AuthorizationAttributesFrom). For
 * SelfSubjectAccessReview pass the requesting user as `user`; for SubjectAccessReview and
 * LocalSubjectAccessReview the spec's user, groups, uid and extra. An empty version means any ('*').
 * Returns undefined when the spec has neither resourceAttributes nor nonResourceAttributes
 * (validation rejects that before).
 */
export function attributesFromAccessReview(
  user: AuthzUser,
  spec: Pick<SubjectAccessReviewSpec, 'resourceAttributes' | 'nonResourceAttributes'>,
): Attributes | undefined {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      resourceRequest: true,
      user,
      verb: r.verb ?? '',
      apiGroup: r.group ?? '',
      apiVersion: r.version || '*',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
    };
  }
  const n = spec.nonResourceAttributes;
  if (n) return { resourceRequest: false, user, verb: n.verb ?? '', path: n.path ?? '' };
  return undefined;
}

/** The user a SubjectAccessReview asks about. */
export function userFromAccessReview(spec: SubjectAccessReviewSpec): AuthzUser {
  const u: AuthzUser = { name: spec.user ?? '', groups: spec.groups ?? [] };
  if (spec.uid) u.uid = spec.uid;
  if (spec.extra) u.extra = spec.extra;
  return u;
}

/** The review status of a decision: allowed on allow, denied only on an explicit deny. */
export function accessReviewStatus(result: AuthorizationResult): SubjectAccessReviewStatus {
  const status: SubjectAccessReviewStatus = { allowed: result.decision === 'allow' };
  if (result.decision === 'deny') status.denied = true;
  if (result.reason) status.reason = result.reason;
  if (result.error) status.evaluationError = result.error;
  return status;
}

/**
 * authorization.k8s.io/v1 ResourceRule. Typed here because kubernetes-types drops `verbs` and
 * `resources` from it (their doc comments contain `*` + `/`, which ends the generated comment).
 */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** authorization.k8s.io/v1 SubjectRulesReviewStatus, with the complete ResourceRule. */
export interface SubjectRulesReviewStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

/**
 * SelfSubjectRulesReview's status for a user in a namespace (`kubectl auth can-i --list`): the
 * rules every resolver reports, `incomplete` when one cannot list all it allows, the evaluation
 * error when a binding could not be resolved. The handler checks that a namespace was given.
 */
export function subjectRulesReviewStatus(
  resolver: RuleResolver,
  user: AuthzUser,
  namespace: string,
): SubjectRulesReviewStatus {
  const r = resolver.rulesFor(user, namespace);
  const status: SubjectRulesReviewStatus = {
    resourceRules: r.resourceRules.map((x) => {
      const rule: ResourceRule = { verbs: x.verbs };
      if (x.apiGroups.length > 0) rule.apiGroups = x.apiGroups;
      if (x.resources.length > 0) rule.resources = x.resources;
      if (x.resourceNames.length > 0) rule.resourceNames = x.resourceNames;
      return rule;
    }),
    nonResourceRules: r.nonResourceRules.map((x) => ({ verbs: x.verbs, nonResourceURLs: x.nonResourceURLs })),
    incomplete: r.incomplete,
  };
  if (r.error) status.evaluationError = r.error;
  return status;
}
