/**
 * From the metrics' recommendation to the replica count to set (pkg/controller/podautoscaler/horizontal.go), pure:
 *
 *   without spec.behavior: the highest recommendation of the downscale stabilization window (5 min),
 *     then [minReplicas, min(maxReplicas, max(2 x current, 4))];
 *   with spec.behavior: recommendations of the scale-up window give a floor (their lowest), those
 *     of the scale-down window a ceiling (their highest); then the rate the policies allow from the
 *     replicas at the start of each policy's period (Pods: +/- value, Percent: x (1 +/- value%)),
 *     the largest change (selectPolicy Max) or smallest (Min), none when Disabled, then min/max.
 *
 * The recommendation history and scale events are passed in and returned: the controller keeps them per HPA.
 */
import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

export interface Recommendation {
  replicas: number;
  atMs: number;
}
export interface ScaleEvent {
  change: number;
  atMs: number;
}

export interface NormalizeInput {
  current: number;
  desired: number;
  min: number;
  max: number;
  behavior?: HorizontalPodAutoscalerBehavior;
  /** Default scale-down stabilization (5 min; kube-controller-manager --horizontal-pod-autoscaler-downscale-stabilization). */
  downscaleWindowMs: number;
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
  nowMs: number;
}

export interface Condition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface NormalizeResult {
  replicas: number;
  /** The recommendations to keep (the new one recorded). */
  recommendations: Recommendation[];
  ableToScale: Condition;
  scalingLimited: Condition;
}

const WITHIN: Condition = {
  status: 'False',
  reason: 'DesiredWithinRange',
  message: 'the desired count is within the acceptable range',
};
const READY: Condition = {
  status: 'True',
  reason: 'ReadyForNewScale',
  message: 'recommended size matches current size',
};

/** Records `desired` in place of the oldest sample outside every window, else appends (Kubernetes keeps the list that small). */
function record(
  recs: Recommendation[],
  desired: number,
  nowMs: number,
  isOld: (r: Recommendation) => boolean,
): Recommendation[] {
  const out = recs.slice();
  let oldIdx = -1;
  out.forEach((r, i) => {
    if (isOld(r)) oldIdx = i;
  });
  if (oldIdx >= 0) out[oldIdx] = { replicas: desired, atMs: nowMs };
  else out.push({ replicas: desired, atMs: nowMs });
  return out;
}

export function normalizeDesiredReplicas(i: NormalizeInput): NormalizeResult {
  return i.behavior ? withBehavior(i, i.behavior) : withoutBehavior(i);
}

function withoutBehavior(i: NormalizeInput): NormalizeResult {
  const cutoff = i.nowMs - i.downscaleWindowMs;
  let stabilized = i.desired;
  for (const r of i.recommendations) if (r.atMs >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
  const recommendations = record(i.recommendations, i.desired, i.nowMs, (r) => r.atMs < cutoff);
  const ableToScale =
    stabilized !== i.desired
      ? {
          status: 'True' as const,
          reason: 'ScaleDownStabilized',
          message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
        }
      : READY;
  const scaleUpLimit = Math.max(2 * i.current, 4);
  let limit: Condition = {
    status: 'True',
    reason: 'TooManyReplicas',
    message: 'the desired replica count is more than the maximum replica count',
  };
  let maxAllowed = i.max;
  if (i.max > scaleUpLimit) {
    maxAllowed = scaleUpLimit;
    limit = {
      status: 'True',
      reason: 'ScaleUpLimit',
      message: 'the desired replica count is increasing faster than the maximum scale rate',
    };
  }
  let replicas = stabilized;
  let scalingLimited = WITHIN;
  if (stabilized < i.min) {
    replicas = i.min;
    scalingLimited = {
      status: 'True',
      reason: 'TooFewReplicas',
      message: 'the desired replica count is less than the minimum replica count',
    };
  } else if (stabilized > maxAllowed) {
    replicas = maxAllowed;
    scalingLimited = limit;
  }
  return { replicas, recommendations, ableToScale, scalingLimited };
}

function changeInPeriod(periodSeconds: number, events: ScaleEvent[], nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.atMs > cutoff ? sum + e.change : sum), 0);
}

/** calculateScaleUpLimitWithScalingRules. Pure. */
export function scaleUpLimit(
  current: number,
  up: ScaleEvent[],
  down: ScaleEvent[],
  rules: HPAScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, up, nowMs) + changeInPeriod(p.periodSeconds, down, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. Pure. */
export function scaleDownLimit(
  current: number,
  up: ScaleEvent[],
  down: ScaleEvent[],
  rules: HPAScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min'; // the smallest change is the highest count
  let result = pickMin ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, up, nowMs) + changeInPeriod(p.periodSeconds, down, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

function withBehavior(i: NormalizeInput, b: HorizontalPodAutoscalerBehavior): NormalizeResult {
  const up = b.scaleUp ?? {};
  const down = b.scaleDown ?? {};
  const upCutoff = i.nowMs - (up.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff =
    i.nowMs -
    (down.stabilizationWindowSeconds !== undefined ? down.stabilizationWindowSeconds * 1000 : i.downscaleWindowMs);
  let upRec = i.desired;
  let downRec = i.desired;
  for (const r of i.recommendations) {
    if (r.atMs > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.atMs > downCutoff) downRec = Math.max(downRec, r.replicas);
  }
  let stabilized = Math.max(i.current, upRec);
  stabilized = Math.min(stabilized, downRec);
  const recommendations = record(
    i.recommendations,
    i.desired,
    i.nowMs,
    (r) => r.atMs < upCutoff && r.atMs < downCutoff,
  );
  const ableToScale: Condition =
    stabilized === i.desired
      ? READY
      : i.desired >= i.current
        ? {
            status: 'True',
            reason: 'ScaleUpStabilized',
            message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
          }
        : {
            status: 'True',
            reason: 'ScaleDownStabilized',
            message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
          };

  let replicas = stabilized;
  let scalingLimited = WITHIN;
  if (stabilized > i.current) {
    const limit = Math.max(i.current, scaleUpLimit(i.current, i.scaleUpEvents, i.scaleDownEvents, up, i.nowMs));
    const [maxAllowed, reason, message] =
      i.max > limit
        ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
        : [i.max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (stabilized > maxAllowed) {
      replicas = maxAllowed;
      scalingLimited = { status: 'True', reason, message };
    }
  } else if (stabilized < i.current) {
    const limit = Math.min(i.current, scaleDownLimit(i.current, i.scaleUpEvents, i.scaleDownEvents, down, i.nowMs));
    const [minAllowed, reason, message] =
      i.min < limit
        ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
        : [i.min, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (stabilized < minAllowed) {
      replicas = minAllowed;
      scalingLimited = { status: 'True', reason, message };
    }
  }
  return { replicas, recommendations, ableToScale, scalingLimited };
}
