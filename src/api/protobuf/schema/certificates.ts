/**
 * certificates.k8s.io/v1 protobuf schema, from k8s.io/api generated.proto: what `kubectl
 * certificate approve|deny` and client libraries send. spec.extra (a map of ExtraValue lists) is
 * left out: the server sets it from the requesting user and never reads it from a request body.
 */
export const CERTIFICATES_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.certificates.v1;
message CertificateSigningRequestCondition {
  optional string type = 1 [(keep)=true];
  optional string status = 6 [(keep)=true];
  optional string reason = 2;
  optional string message = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastUpdateTime = 4;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 5;
}
message CertificateSigningRequestSpec {
  optional bytes request = 1 [(keep)=true];
  optional string signerName = 7 [(keep)=true];
  optional int32 expirationSeconds = 8 [(ptr)=true];
  repeated string usages = 5;
  optional string username = 2;
  optional string uid = 3;
  repeated string groups = 4;
}
message CertificateSigningRequestStatus { repeated CertificateSigningRequestCondition conditions = 1; optional bytes certificate = 2; }
message CertificateSigningRequest {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional CertificateSigningRequestSpec spec = 2;
  optional CertificateSigningRequestStatus status = 3;
}
`;
