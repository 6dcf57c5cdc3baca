/**
 * scheduling.k8s.io/v1 (PriorityClass), policy/v1 (PodDisruptionBudget, Eviction) and
 * networking.k8s.io/v1 (Ingress) protobuf schemas, from k8s.io/api generated.proto. Options: options.ts.
 */
export const SCHEDULING_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.scheduling.v1;
message PriorityClass {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional int32 value = 2 [(keep)=true];
  optional bool globalDefault = 3;
  optional string description = 4;
  optional string preemptionPolicy = 5 [(ptr)=true];
}
`;

export const POLICY_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.policy.v1;
message PodDisruptionBudget { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional PodDisruptionBudgetSpec spec = 2; optional PodDisruptionBudgetStatus status = 3; }
message PodDisruptionBudgetSpec {
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString minAvailable = 1;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 3;
  optional string unhealthyPodEvictionPolicy = 4 [(ptr)=true];
}
message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1;
  map<string, k8s.io.apimachinery.pkg.apis.meta.v1.Time> disruptedPods = 2;
  optional int32 disruptionsAllowed = 3 [(keep)=true];
  optional int32 currentHealthy = 4 [(keep)=true];
  optional int32 desiredHealthy = 5 [(keep)=true];
  optional int32 expectedPods = 6 [(keep)=true];
  repeated k8s.io.apimachinery.pkg.apis.meta.v1.Condition conditions = 7;
}
message Eviction { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions deleteOptions = 2; }
`;

export const NETWORKING_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.networking.v1;
message Ingress { optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; optional IngressSpec spec = 2; optional IngressStatus status = 3; }
message IngressSpec { optional string ingressClassName = 4 [(ptr)=true]; optional IngressBackend defaultBackend = 1; repeated IngressTLS tls = 2; repeated IngressRule rules = 3; }
message IngressBackend { optional IngressServiceBackend service = 4; optional k8s.io.api.core.v1.TypedLocalObjectReference resource = 3; }
message IngressServiceBackend { optional string name = 1 [(keep)=true]; optional ServiceBackendPort port = 2; }
message ServiceBackendPort { optional string name = 1; optional int32 number = 2; }
message IngressTLS { repeated string hosts = 1; optional string secretName = 2; }
message IngressRule { optional string host = 1; optional IngressRuleValue ingressRuleValue = 2 [(inline)=true]; }
message IngressRuleValue { optional HTTPIngressRuleValue http = 1; }
message HTTPIngressRuleValue { repeated HTTPIngressPath paths = 1; }
message HTTPIngressPath { optional string path = 1; optional string pathType = 3 [(ptr)=true]; optional IngressBackend backend = 2; }
message IngressStatus { optional IngressLoadBalancerStatus loadBalancer = 1; }
message IngressLoadBalancerStatus { repeated IngressLoadBalancerIngress ingress = 1; }
message IngressLoadBalancerIngress { optional string ip = 1; optional string hostname = 2; repeated IngressPortStatus ports = 4; }
message IngressPortStatus { optional int32 port = 1 [(keep)=true]; optional string protocol = 2 [(keep)=true]; optional string error = 3 [(ptr)=true]; }
`;
