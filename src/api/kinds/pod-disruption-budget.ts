import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum } from '../validation/field.js';
import { validateLabelSelector } from '../validation/label-selector.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { validateIntOrPercent } from './workload-helpers.js';

function validatePDB(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fieldErrors.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(
    ...validateEnum(
      'spec.unhealthyPodEvictionPolicy',
      spec.unhealthyPodEvictionPolicy,
      ['AlwaysAllow', 'IfHealthyBudget'],
      false,
    ),
  );
  return errs;
}

/** policy/v1 PodDisruptionBudget: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE. */
export const podDisruptionBudgetStrategy = defineKind<PodDisruptionBudget>({
  namespaced: true,
  validate: validatePDB,
  columns: [
    nameColumn(),
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  row: (pdb, now) => [
    nameOf(pdb),
    pdb.spec?.minAvailable !== undefined ? String(pdb.spec.minAvailable) : 'N/A',
    pdb.spec?.maxUnavailable !== undefined ? String(pdb.spec.maxUnavailable) : 'N/A',
    pdb.status?.disruptionsAllowed ?? 0,
    ageOf(pdb, now),
  ],
});
