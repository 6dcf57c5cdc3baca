/**
 * HorizontalPodAutoscaler controller (autoscaling/v2 semantics) on resource metrics from metrics.k8s.io.
 *
 *   start-hpa-controller.ts  runs it over the shared HPA and pod informers; settings from the environment
 *   hpa-controller.ts        reconcile: scale subresource, metrics, status, events
 *   replica-calculator.ts    pure: pod grouping, usage ratio, tolerance, missing/unready pods
 *   normalize.ts             pure: stabilization windows, scaling policies, min/max, conditions
 *   metric-values.ts         pure: metrics.k8s.io quantities <-> milli-units, Go durations
 *   hpa-conditions.ts        AbleToScale / ScalingActive / ScalingLimited conditions (setCondition)
 */
export {
  HpaController,
  POD_METRICS,
  DEFAULT_HPA_SETTINGS,
  readScale,
  scaleTargetType,
  type HpaSettings,
  type HpaControllerOptions,
} from './hpa-controller.js';
export { startHpaController, type StartHpaControllerOptions } from './start-hpa-controller.js';
export {
  resourceReplicas,
  groupPods,
  podRequests,
  MetricError,
  type PodMetric,
  type CalcSettings,
} from './replica-calculator.js';
export {
  normalizeDesiredReplicas,
  scaleUpLimit,
  scaleDownLimit,
  type Recommendation,
  type ScaleEvent,
} from './normalize.js';
