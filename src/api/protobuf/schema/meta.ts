/**
 * apimachinery protobuf schemas (k8s.io/apimachinery/pkg/{runtime,util/intstr,api/resource,apis/meta/v1}
 * generated.proto), reduced to the messages request bodies reach. Field numbers are upstream's.
 * See options.ts for the (ptr)/(keep)/(inline) annotations.
 */
export const META_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
message RawExtension { optional bytes raw = 1; }
`;

export const INTSTR_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
`;

export const RESOURCE_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;
message Quantity { optional string string = 1; }
`;

export const META_V1_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
message Duration { optional int64 duration = 1; }
message FieldsV1 { optional bytes Raw = 1; }
message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}
message OwnerReference {
  optional string apiVersion = 5 [(keep)=true];
  optional string kind = 1 [(keep)=true];
  optional string name = 3 [(keep)=true];
  optional string uid = 4 [(keep)=true];
  optional bool controller = 6 [(ptr)=true];
  optional bool blockOwnerDeletion = 7 [(ptr)=true];
}
message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(ptr)=true];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}
message LabelSelectorRequirement {
  optional string key = 1 [(keep)=true];
  optional string operator = 2 [(keep)=true];
  repeated string values = 3;
}
message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}
message FieldSelectorRequirement {
  optional string key = 1 [(keep)=true];
  optional string operator = 2 [(keep)=true];
  repeated string values = 3;
}
message Condition {
  optional string type = 1 [(keep)=true];
  optional string status = 2 [(keep)=true];
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4 [(keep)=true];
  optional string reason = 5 [(keep)=true];
  optional string message = 6 [(keep)=true];
}
message Preconditions {
  optional string uid = 1 [(ptr)=true];
  optional string resourceVersion = 2 [(ptr)=true];
}
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(ptr)=true];
  optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3 [(ptr)=true];
  optional string propagationPolicy = 4 [(ptr)=true];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(ptr)=true];
}
`;
