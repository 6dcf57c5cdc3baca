import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { fieldErrors } from '../errors.js';
import { validateImmutable } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

/** networking.k8s.io/v1 IngressClass: controller required and immutable; parameters scope defaults to Cluster. */
export const ingressClassStrategy = defineKind<IngressClass>({
  namespaced: false,
  defaults(ic) {
    const p = ic.spec?.parameters;
    if (p) p.scope ??= 'Cluster';
  },
  validate: (ic) => (ic.spec?.controller ? [] : [fieldErrors.required('spec.controller')]),
  validateUpdate: (ic, old) => validateImmutable('spec.controller', ic.spec?.controller, old.spec?.controller),
  columns: [
    nameColumn(),
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    const params = p ? `${p.apiGroup ? `${p.kind}.${p.apiGroup}` : p.kind}/${p.name}` : '<none>';
    return [nameOf(ic), ic.spec?.controller ?? '', params, ageOf(ic, now)];
  },
});
