import type { LimitRange } from 'kubernetes-types/core/v1.js';
import { validateEnum } from '../validation/field.js';
import { defaultLimitRange } from '../quota/limit-ranger.js';
import { validateLimitRangeSpec } from '../quota/limit-range-validation.js';
import { col, nameColumn } from './columns.js';
import { createdAtOf, defineKind, nameOf } from './define-kind.js';

/** core/v1 LimitRange: NAME CREATED AT. */
export const limitRangeStrategy = defineKind<LimitRange>({
  namespaced: true,
  // SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its default request to the default limit, then to min.
  defaults: defaultLimitRange,
  validate: (lr) => [
    ...(lr.spec?.limits ?? []).flatMap((l, i) =>
      validateEnum(`spec.limits[${i}].type`, l.type, ['Pod', 'Container', 'PersistentVolumeClaim']),
    ),
    ...validateLimitRangeSpec(lr),
  ],
  columns: [
    nameColumn(),
    col(
      'Created At',
      'date',
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    ),
  ],
  row: (lr) => [nameOf(lr), createdAtOf(lr)],
});
