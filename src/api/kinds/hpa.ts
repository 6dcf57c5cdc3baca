import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
  HPAScalingRules,
  MetricSpec,
} from 'kubernetes-types/autoscaling/v2.js';
import { fieldErrors, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { convertHPA } from './hpa-conversion.js';

const DEFAULT_CPU_UTILIZATION = 80;

function scaleUpDefaults(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}
function scaleDownDefaults(): HPAScalingRules {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}
/** copyHPAScalingRules: the defaults overridden by whatever the user set. */
function mergeRules(user: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!user) return defaults;
  return {
    ...defaults,
    ...(user.selectPolicy !== undefined ? { selectPolicy: user.selectPolicy } : {}),
    ...(user.stabilizationWindowSeconds !== undefined
      ? { stabilizationWindowSeconds: user.stabilizationWindowSeconds }
      : {}),
    ...(user.policies !== undefined ? { policies: user.policies } : {}),
  };
}

/** Defaults of either served version: minReplicas 1; v2 also the cpu 80% metric and behavior rules. */
export function defaultHPA(obj: KubeObject): void {
  const spec = (obj.spec ??= {}) as {
    minReplicas?: number;
    metrics?: MetricSpec[];
    behavior?: HorizontalPodAutoscalerBehavior;
  };
  spec.minReplicas ??= 1;
  if (obj.apiVersion !== 'autoscaling/v2') return;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } },
      },
    ];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = mergeRules(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = mergeRules(spec.behavior.scaleDown, scaleDownDefaults());
  }
}

const asV2 = (obj: KubeObject): HorizontalPodAutoscaler =>
  (obj.apiVersion === 'autoscaling/v2' ? obj : convertHPA(obj, 'autoscaling/v2')) as unknown as HorizontalPodAutoscaler;

function validateHPA(obj: KubeObject): FieldError[] {
  const hpa = asV2(obj);
  const spec = hpa.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs: FieldError[] = [];
  if (!spec.scaleTargetRef?.kind) errs.push(fieldErrors.required('spec.scaleTargetRef.kind'));
  if (!spec.scaleTargetRef?.name) errs.push(fieldErrors.required('spec.scaleTargetRef.name'));
  if (spec.minReplicas !== undefined && spec.minReplicas < 1)
    errs.push(fieldErrors.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  if (spec.maxReplicas === undefined || spec.maxReplicas < 1)
    errs.push(fieldErrors.invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  else if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas) {
    errs.push(
      fieldErrors.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'),
    );
  }
  const v1 = obj.spec as { targetCPUUtilizationPercentage?: number } | undefined;
  if (
    obj.apiVersion === 'autoscaling/v1' &&
    v1?.targetCPUUtilizationPercentage !== undefined &&
    v1.targetCPUUtilizationPercentage < 1
  ) {
    errs.push(
      fieldErrors.invalid(
        'spec.targetCPUUtilizationPercentage',
        v1.targetCPUUtilizationPercentage,
        'must be greater than or equal to 1',
      ),
    );
  }
  (spec.metrics ?? []).forEach((m, i) => {
    const allowed = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
    if (!allowed.includes(m.type)) errs.push(fieldErrors.notSupported(`spec.metrics[${i}].type`, m.type, allowed));
  });
  return errs;
}

/** TARGETS cell (formatHPAMetrics): up to two `current/target` pairs, resources prefixed by name. */
export function formatHPAMetrics(hpa: HorizontalPodAutoscaler): string {
  const specs = hpa.spec?.metrics ?? [];
  const statuses = hpa.status?.currentMetrics ?? [];
  if (specs.length === 0) return '<none>';
  const list = specs.map((m, i) => {
    const st = statuses[i];
    switch (m.type) {
      case 'External':
      case 'Object': {
        const src = m.type === 'External' ? m.external : m.object;
        const cur = m.type === 'External' ? st?.external?.current : st?.object?.current;
        if (src?.target.averageValue !== undefined)
          return `${cur?.averageValue ?? '<unknown>'}/${src.target.averageValue} (avg)`;
        return `${cur?.value ?? '<unknown>'}/${src?.target.value ?? ''}`;
      }
      case 'Pods':
        return `${st?.pods?.current.averageValue ?? '<unknown>'}/${m.pods?.target.averageValue ?? ''}`;
      case 'Resource':
      case 'ContainerResource': {
        const src = m.type === 'Resource' ? m.resource : m.containerResource;
        const cur = m.type === 'Resource' ? st?.resource?.current : st?.containerResource?.current;
        if (src?.target.averageValue !== undefined)
          return `${src.name}: ${cur?.averageValue ?? '<unknown>'}/${src.target.averageValue}`;
        const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>';
        const target = src?.target.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
        return `${src?.name ?? ''}: ${current}/${target}`;
      }
      default:
        return '<unknown type>';
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

/** autoscaling HorizontalPodAutoscaler, v1 and v2 (one strategy; v1 objects are read through conversion). */
export const hpaStrategy = defineKind<KubeObject>({
  namespaced: true,
  defaults: defaultHPA,
  validate: validateHPA,
  columns: [
    nameColumn(),
    col(
      'Reference',
      'string',
      'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.',
    ),
    col(
      'Targets',
      'string',
      'metrics contains the specifications for which to use to calculate the desired replica count.',
    ),
    col(
      'MinPods',
      'string',
      'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.',
    ),
    col(
      'MaxPods',
      'integer',
      'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.',
    ),
    col(
      'Replicas',
      'integer',
      'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
    ),
    ageColumn(),
  ],
  row(obj, now) {
    const hpa = asV2(obj);
    const ref = `${hpa.spec?.scaleTargetRef.kind ?? ''}/${hpa.spec?.scaleTargetRef.name ?? ''}`;
    const min = hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>';
    return [
      nameOf(obj),
      ref,
      formatHPAMetrics(hpa),
      min,
      hpa.spec?.maxReplicas ?? 0,
      hpa.status?.currentReplicas ?? 0,
      ageOf(obj, now),
    ];
  },
  convert: convertHPA,
});
