import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum, validateImmutable } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** Highest value a user-defined PriorityClass may have (system classes are above it). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;

/** scheduling.k8s.io/v1 PriorityClass: preemptionPolicy PreemptLowerPriority; value and policy immutable. */
export const priorityClassStrategy = defineKind<PriorityClass>({
  namespaced: false,
  defaults(pc) {
    pc.preemptionPolicy ||= 'PreemptLowerPriority';
  },
  validate(pc) {
    const errs: FieldError[] = [];
    const name = pc.metadata?.name ?? '';
    if (name.startsWith('system-') && !['system-node-critical', 'system-cluster-critical'].includes(name)) {
      errs.push(
        fieldErrors.forbidden(
          'metadata.name',
          "priority class names with 'system-' prefix are reserved for system use only",
        ),
      );
    } else if (!name.startsWith('system-') && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
      errs.push(
        fieldErrors.forbidden(
          'value',
          `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
        ),
      );
    }
    errs.push(...validateEnum('preemptionPolicy', pc.preemptionPolicy, ['Never', 'PreemptLowerPriority'], false));
    return errs;
  },
  validateUpdate: (pc, old) => [
    ...validateImmutable('value', pc.value, old.value),
    ...validateImmutable('preemptionPolicy', pc.preemptionPolicy, old.preemptionPolicy),
  ],
  columns: [
    nameColumn(),
    col('Value', 'integer', 'value represents the integer value of this priority class.'),
    col(
      'Global-Default',
      'boolean',
      'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.',
    ),
    ageColumn(),
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  row: (pc, now) => [nameOf(pc), pc.value, pc.globalDefault ?? false, ageOf(pc, now), pc.preemptionPolicy ?? '<unset>'],
});
