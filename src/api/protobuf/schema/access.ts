/**
 * rbac.authorization.k8s.io/v1, authentication.k8s.io/v1 (TokenRequest; TokenReview's spec, its status
 * goes back as JSON) and authorization.k8s.io/v1
 * (the review kinds) protobuf schemas, from k8s.io/api generated.proto. Options: options.ts.
 */
export const RBAC_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.rbac.v1;
message PolicyRule { repeated string verbs = 1; repeated string apiGroups = 2; repeated string resources = 3; repeated string resourceNames = 4; repeated string nonResourceURLs = 5; }
message Subject { optional string kind = 1 [(keep)=true]; optional string apiGroup = 2; optional string name = 3 [(keep)=true]; optional string namespace = 4; }
message RoleRef { optional string apiGroup = 1 [(keep)=true]; optional string kind = 2 [(keep)=true]; optional string name = 3 [(keep)=true]; }
message AggregationRule { repeated k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector clusterRoleSelectors = 1; }
message Role { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }
message ClusterRole { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated PolicyRule rules = 2; optional AggregationRule aggregationRule = 3; }
message RoleBinding { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
message ClusterRoleBinding { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
`;

export const AUTHENTICATION_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.authentication.v1;
message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uid = 4; }
message TokenRequestSpec { repeated string audiences = 1; optional int64 expirationSeconds = 4 [(ptr)=true]; optional BoundObjectReference boundObjectRef = 3; }
message TokenRequestStatus { optional string token = 1 [(keep)=true]; optional k8s.io.apimachinery.pkg.apis.meta.v1.Time expirationTimestamp = 2 [(keep)=true]; }
message TokenRequest { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional TokenRequestSpec spec = 2; optional TokenRequestStatus status = 3; }
message TokenReviewSpec { optional string token = 1; repeated string audiences = 2; }
message TokenReview { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional TokenReviewSpec spec = 2; }
`;

export const AUTHORIZATION_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.authorization.v1;
message FieldSelectorAttributes { optional string rawSelector = 1; repeated k8s.io.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement requirements = 2; }
message LabelSelectorAttributes { optional string rawSelector = 1; repeated k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement requirements = 2; }
message ResourceAttributes {
  optional string namespace = 1;
  optional string verb = 2;
  optional string group = 3;
  optional string version = 4;
  optional string resource = 5;
  optional string subresource = 6;
  optional string name = 7;
  optional FieldSelectorAttributes fieldSelector = 8;
  optional LabelSelectorAttributes labelSelector = 9;
}
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message SelfSubjectAccessReviewSpec { optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2; }
message SubjectAccessReviewStatus { optional bool allowed = 1 [(keep)=true]; optional bool denied = 4; optional string reason = 2; optional string evaluationError = 3; }
message SelfSubjectAccessReview { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional SelfSubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }
message SubjectAccessReviewSpec { optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2; optional string user = 3; repeated string groups = 4; optional string uid = 6; }
message SubjectAccessReview { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional SubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }
message LocalSubjectAccessReview { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional SubjectAccessReviewSpec spec = 2; optional SubjectAccessReviewStatus status = 3; }
message SelfSubjectRulesReviewSpec { optional string namespace = 1; }
message ResourceRule { repeated string verbs = 1; repeated string apiGroups = 2; repeated string resources = 3; repeated string resourceNames = 4; }
message NonResourceRule { repeated string verbs = 1; repeated string nonResourceURLs = 2; }
message SubjectRulesReviewStatus { repeated ResourceRule resourceRules = 1; repeated NonResourceRule nonResourceRules = 2; optional bool incomplete = 3 [(keep)=true]; optional string evaluationError = 4; }
message SelfSubjectRulesReview { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional SelfSubjectRulesReviewSpec spec = 2; optional SubjectRulesReviewStatus status = 3; }
`;

/**
 * SelfSubjectReview as kubectl auth whoami sends it (v1 since 1.28, v1beta1 and v1alpha1 before):
 * only metadata goes out; the status (user info, with its map of extra values) comes back as JSON.
 */
export const SELF_SUBJECT_REVIEW_PROTOS = ['v1', 'v1beta1', 'v1alpha1'].map(
  (v) => `
syntax = "proto2";
package k8s.io.api.authentication.${v};
message SelfSubjectReview { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; }
`,
);
