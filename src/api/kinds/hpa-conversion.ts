import type { KubeObject } from '../object.js';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {});

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';

const isCpuUtilization = (m: Rec): boolean =>
  m.type === 'Resource' && rec(m.resource).name === 'cpu' && rec(rec(m.resource).target).type === 'Utilization';

/** v2 MetricSpec -> autoscaling/v1's annotation form (the v2beta1 shape). */
function metricToV1(m: Rec): Rec {
  const t = (x: unknown): Rec => rec(rec(x).target);
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const r = rec(m[key]);
      return {
        type: m.type,
        [key]: {
          name: r.name,
          ...(r.container ? { container: r.container } : {}),
          targetAverageUtilization: t(r).averageUtilization,
          targetAverageValue: t(r).averageValue,
        },
      };
    }
    case 'Pods': {
      const p = rec(m.pods);
      return {
        type: 'Pods',
        pods: {
          metricName: rec(p.metric).name,
          selector: rec(p.metric).selector,
          targetAverageValue: t(p).averageValue,
        },
      };
    }
    case 'Object': {
      const o = rec(m.object);
      return {
        type: 'Object',
        object: {
          target: o.describedObject,
          metricName: rec(o.metric).name,
          selector: rec(o.metric).selector,
          targetValue: t(o).value,
          averageValue: t(o).averageValue,
        },
      };
    }
    case 'External': {
      const e = rec(m.external);
      return {
        type: 'External',
        external: {
          metricName: rec(e.metric).name,
          metricSelector: rec(e.metric).selector,
          targetValue: t(e).value,
          targetAverageValue: t(e).averageValue,
        },
      };
    }
    default:
      return m;
  }
}

/** The annotation form back to a v2 MetricSpec. */
function metricToV2(m: Rec): Rec {
  const target = (util: unknown, avg: unknown, val: unknown): Rec =>
    util !== undefined
      ? { type: 'Utilization', averageUtilization: util }
      : avg !== undefined
        ? { type: 'AverageValue', averageValue: avg }
        : { type: 'Value', value: val };
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const r = rec(m[key]);
      return {
        type: m.type,
        [key]: {
          name: r.name,
          ...(r.container ? { container: r.container } : {}),
          target: target(r.targetAverageUtilization, r.targetAverageValue, undefined),
        },
      };
    }
    case 'Pods': {
      const p = rec(m.pods);
      return {
        type: 'Pods',
        pods: {
          metric: { name: p.metricName, selector: p.selector },
          target: { type: 'AverageValue', averageValue: p.targetAverageValue },
        },
      };
    }
    case 'Object': {
      const o = rec(m.object);
      return {
        type: 'Object',
        object: {
          describedObject: o.target,
          metric: { name: o.metricName, selector: o.selector },
          target: target(undefined, o.averageValue, o.targetValue),
        },
      };
    }
    case 'External': {
      const e = rec(m.external);
      return {
        type: 'External',
        external: {
          metric: { name: e.metricName, selector: e.metricSelector },
          target: target(undefined, e.targetAverageValue, e.targetValue),
        },
      };
    }
    default:
      return m;
  }
}

const clean = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function toV1(src: Rec): Rec {
  const meta = rec(structuredClone(src.metadata));
  const annotations: Record<string, string> = { ...(rec(meta.annotations) as Record<string, string>) };
  const spec = rec(src.spec);
  const metrics = (Array.isArray(spec.metrics) ? spec.metrics : []).map(rec);
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(clean(others.map(metricToV1)));
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const status = rec(src.status);
  const current = (Array.isArray(status.currentMetrics) ? status.currentMetrics : []).map(rec);
  const cpuCurrent = current.find((m) => m.type === 'Resource' && rec(m.resource).name === 'cpu');
  const otherCurrent = current.filter((m) => m !== cpuCurrent);
  if (otherCurrent.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherCurrent);
  if (Array.isArray(status.conditions) && status.conditions.length)
    annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
  if (Object.keys(annotations).length) meta.annotations = annotations;
  const v1Spec: Rec = {
    scaleTargetRef: spec.scaleTargetRef,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
  };
  if (cpu) v1Spec.targetCPUUtilizationPercentage = rec(rec(cpu.resource).target).averageUtilization;
  const v1Status: Rec = {
    observedGeneration: status.observedGeneration,
    lastScaleTime: status.lastScaleTime,
    currentReplicas: status.currentReplicas ?? 0,
    desiredReplicas: status.desiredReplicas ?? 0,
  };
  if (cpuCurrent) v1Status.currentCPUUtilizationPercentage = rec(rec(cpuCurrent.resource).current).averageUtilization;
  return clean({
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta,
    spec: v1Spec,
    status: v1Status,
  });
}

function parseAnnotation(annotations: Record<string, string>, key: string): unknown {
  const raw = annotations[key];
  delete annotations[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function toV2(src: Rec): Rec {
  const meta = rec(structuredClone(src.metadata));
  const annotations: Record<string, string> = { ...(rec(meta.annotations) as Record<string, string>) };
  const spec = rec(src.spec);
  const status = rec(src.status);
  const annMetrics = parseAnnotation(annotations, METRICS_ANNOTATION);
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  const current = parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
  const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
  const metrics: Rec[] = [];
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  }
  if (Array.isArray(annMetrics)) metrics.push(...annMetrics.map((m) => metricToV2(rec(m))));
  const currentMetrics: Rec[] = [];
  if (status.currentCPUUtilizationPercentage !== undefined) {
    currentMetrics.push({
      type: 'Resource',
      resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } },
    });
  }
  if (Array.isArray(current)) currentMetrics.push(...current.map(rec));
  meta.annotations = Object.keys(annotations).length ? annotations : undefined;
  const v2Spec: Rec = {
    scaleTargetRef: spec.scaleTargetRef,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
  };
  if (metrics.length) v2Spec.metrics = metrics;
  if (behavior) v2Spec.behavior = behavior;
  const v2Status: Rec = {
    observedGeneration: status.observedGeneration,
    lastScaleTime: status.lastScaleTime,
    currentReplicas: status.currentReplicas,
    desiredReplicas: status.desiredReplicas ?? 0,
  };
  if (currentMetrics.length) v2Status.currentMetrics = currentMetrics;
  if (Array.isArray(conditions)) v2Status.conditions = conditions;
  return clean({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta,
    spec: v2Spec,
    status: v2Status,
  });
}

/**
 * autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscaler, as Kubernetes converts them: the v1
 * targetCPUUtilizationPercentage is v2's Resource cpu Utilization metric; whatever v1 cannot hold
 * (other metrics, behavior, conditions, current metrics) travels in `autoscaling.alpha.kubernetes.io/*`
 * annotations and is restored on the way back. Returns a new object.
 */
export function convertHPA(obj: KubeObject, toApiVersion: string): KubeObject {
  if (obj.apiVersion === toApiVersion) return structuredClone(obj);
  if (toApiVersion === 'autoscaling/v1') return toV1(obj as Rec) as KubeObject;
  if (toApiVersion === 'autoscaling/v2') return toV2(obj as Rec) as KubeObject;
  throw new Error(`cannot convert HorizontalPodAutoscaler to ${toApiVersion}`);
}
