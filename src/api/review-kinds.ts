/**
 * The create-only review kinds of authentication.k8s.io and authorization.k8s.io: no storage, one
 * POST each, answered by the API server from its authenticators and authorizers. Listed here (not
 * in resource-types.ts, which holds stored kinds) so discovery, the review handlers and the OpenAPI
 * documents agree on them.
 */
export interface ReviewKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const AUTHENTICATION_GROUP = 'authentication.k8s.io';
export const AUTHORIZATION_GROUP = 'authorization.k8s.io';

export const REVIEW_KINDS: readonly ReviewKind[] = [
  {
    group: AUTHENTICATION_GROUP,
    version: 'v1',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    namespaced: false,
  },
  { group: AUTHENTICATION_GROUP, version: 'v1', kind: 'TokenReview', plural: 'tokenreviews', namespaced: false },
  {
    group: AUTHENTICATION_GROUP,
    version: 'v1beta1',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    namespaced: false,
  },
  {
    group: AUTHENTICATION_GROUP,
    version: 'v1alpha1',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    namespaced: false,
  },
  {
    group: AUTHORIZATION_GROUP,
    version: 'v1',
    kind: 'LocalSubjectAccessReview',
    plural: 'localsubjectaccessreviews',
    namespaced: true,
  },
  {
    group: AUTHORIZATION_GROUP,
    version: 'v1',
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    namespaced: false,
  },
  {
    group: AUTHORIZATION_GROUP,
    version: 'v1',
    kind: 'SelfSubjectRulesReview',
    plural: 'selfsubjectrulesreviews',
    namespaced: false,
  },
  {
    group: AUTHORIZATION_GROUP,
    version: 'v1',
    kind: 'SubjectAccessReview',
    plural: 'subjectaccessreviews',
    namespaced: false,
  },
];
