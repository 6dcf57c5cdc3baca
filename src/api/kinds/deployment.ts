import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum, validateNonNegative } from '../validation/field.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, selectorColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import {
  containerCells,
  intOrPercentValue,
  selectorCell,
  validateIntOrPercent,
  validateSelectorAndTemplate,
  validateSelectorImmutable,
} from './workload-helpers.js';

/** SetDefaults_Deployment (apps/v1) plus the template's pod defaults. */
export function defaultDeployment(d: Deployment): void {
  d.spec ??= { selector: {}, template: {} };
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ||= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec(spec.template);
}

function validateDeploymentSpec(d: Deployment): FieldError[] {
  const spec = d.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs = validateNonNegative('spec.replicas', spec.replicas);
  errs.push(...validateSelectorAndTemplate('deployment', spec.selector, spec.template, 'spec'));
  const strategy = spec.strategy ?? {};
  errs.push(...validateEnum('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']));
  if (strategy.type === 'Recreate' && strategy.rollingUpdate) {
    errs.push(
      fieldErrors.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"),
    );
  }
  const ru = strategy.rollingUpdate;
  if (strategy.type === 'RollingUpdate' && ru) {
    errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
    if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
      errs.push(
        fieldErrors.invalid(
          'spec.strategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable ?? 0,
          'may not be 0 when `maxSurge` is 0',
        ),
      );
    }
  }
  errs.push(...validateNonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  errs.push(...validateNonNegative('spec.minReadySeconds', spec.minReadySeconds));
  if (spec.progressDeadlineSeconds !== undefined) {
    errs.push(...validateNonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(
        fieldErrors.invalid(
          'spec.progressDeadlineSeconds',
          spec.progressDeadlineSeconds,
          'must be greater than minReadySeconds',
        ),
      );
    }
  }
  return errs;
}

/** apps/v1 Deployment. */
export const deploymentStrategy = defineKind<Deployment>({
  namespaced: true,
  defaults: defaultDeployment,
  validate: validateDeploymentSpec,
  validateUpdate: (d, old) => validateSelectorImmutable(d.spec?.selector, old.spec?.selector, 'spec'),
  validateStatus: (d) => {
    const s = d.status ?? {};
    return (
      [
        'replicas',
        'updatedReplicas',
        'readyReplicas',
        'availableReplicas',
        'unavailableReplicas',
        'observedGeneration',
      ] as const
    ).flatMap((k) => validateNonNegative(`status.${k}`, s[k]));
  },
  columns: [
    nameColumn(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    col(
      'Up-to-date',
      'integer',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    col(
      'Available',
      'integer',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(
      'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    ),
  ],
  row(d, now) {
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    const st = d.status ?? {};
    return [
      nameOf(d),
      `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      st.updatedReplicas ?? 0,
      st.availableReplicas ?? 0,
      ageOf(d, now),
      names,
      images,
      selectorCell(d.spec?.selector),
    ];
  },
});
