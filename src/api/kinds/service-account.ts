import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** core/v1 ServiceAccount: NAME SECRETS AGE. */
export const serviceAccountStrategy = defineKind<ServiceAccount>({
  namespaced: true,
  columns: [
    nameColumn(),
    col(
      'Secrets',
      'integer',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    ),
    ageColumn(),
  ],
  row: (sa, now) => [nameOf(sa), (sa.secrets ?? []).length, ageOf(sa, now)],
});
