import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { validateNonNegative, validatePositive } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** coordination.k8s.io/v1 Lease: NAME HOLDER AGE. */
export const leaseStrategy = defineKind<Lease>({
  namespaced: true,
  validate: (l) => [
    ...validatePositive('spec.leaseDurationSeconds', l.spec?.leaseDurationSeconds),
    ...validateNonNegative('spec.leaseTransitions', l.spec?.leaseTransitions),
  ],
  columns: [
    nameColumn(),
    col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'),
    ageColumn(),
  ],
  row: (l, now) => [nameOf(l), l.spec?.holderIdentity ?? '', ageOf(l, now)],
});
