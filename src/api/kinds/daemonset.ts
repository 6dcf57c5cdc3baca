import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum, validateNonNegative } from '../validation/field.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, selectorColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import {
  containerCells,
  formatLabels,
  intOrPercentValue,
  selectorCell,
  validateIntOrPercent,
  validateSelectorAndTemplate,
  validateSelectorImmutable,
} from './workload-helpers.js';

/** SetDefaults_DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, revisionHistoryLimit 10, template pod defaults. */
export function defaultDaemonSet(ds: DaemonSet): void {
  ds.spec ??= { selector: {}, template: {} };
  const spec = ds.spec;
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ||= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
}

function validateSpec(ds: DaemonSet): FieldError[] {
  const spec = ds.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs = validateSelectorAndTemplate('daemonset', spec.selector, spec.template, 'spec');
  errs.push(...validateEnum('spec.updateStrategy.type', spec.updateStrategy?.type, ['OnDelete', 'RollingUpdate']));
  const ru = spec.updateStrategy?.rollingUpdate;
  if (spec.updateStrategy?.type === 'RollingUpdate' && ru) {
    errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
    errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
    const mu = intOrPercentValue(ru.maxUnavailable);
    const ms = intOrPercentValue(ru.maxSurge);
    if (mu === 0 && ms === 0)
      errs.push(
        fieldErrors.invalid(
          'spec.updateStrategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable,
          'may not be 0 when `maxSurge` is 0',
        ),
      );
    if (mu !== 0 && ms !== 0)
      errs.push(
        fieldErrors.invalid(
          'spec.updateStrategy.rollingUpdate.maxSurge',
          ru.maxSurge,
          'may not be set when maxUnavailable is non-zero',
        ),
      );
  }
  errs.push(...validateNonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...validateNonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  return errs;
}

/** apps/v1 DaemonSet. */
export const daemonSetStrategy = defineKind<DaemonSet>({
  namespaced: true,
  defaults: defaultDaemonSet,
  validate: validateSpec,
  validateUpdate: (ds, old) => validateSelectorImmutable(ds.spec?.selector, old.spec?.selector, 'spec'),
  columns: [
    nameColumn(),
    col(
      'Desired',
      'integer',
      'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).',
    ),
    col(
      'Current',
      'integer',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
    ),
    col(
      'Ready',
      'integer',
      'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
    ),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col(
      'Available',
      'integer',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
    ),
    col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that are managed by the daemon set.'),
  ],
  row(ds, now) {
    const st = ds.status;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return [
      nameOf(ds),
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      ageOf(ds, now),
      names,
      images,
      selectorCell(ds.spec?.selector),
    ];
  },
});
