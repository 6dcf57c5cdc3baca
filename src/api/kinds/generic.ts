import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { KindStrategy } from '../kind-strategy.js';
import { ageColumn, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** The fallback for kinds without their own file: NAME and AGE, metadata validation only. */
export function genericStrategy(namespaced: boolean): KindStrategy {
  return defineKind<{ metadata?: ObjectMeta }>({
    namespaced,
    columns: [nameColumn(), ageColumn()],
    row: (o, now) => [nameOf(o), ageOf(o, now)],
  });
}
